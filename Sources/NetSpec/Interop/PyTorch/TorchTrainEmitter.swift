import NetSpecDiagnostics
import NetSpecRuntime

/// train.py: the spec's `train:` and `data:` sections as Python settings,
/// then the fixed training program (``TorchTrainRuntime``). Data paths stay
/// the spec's, relative to `DATA_DIR` (the spec's folder, or `--data-dir`).
struct TorchTrainEmitter {
  let spec: CheckedSpec
  /// The spec's folder, which the data paths are relative to.
  let dataDirectory: String
  let className: String

  private var graph: Graph { spec.graph }

  /// The source of train.py (nil without a `train:` section); a synthetic
  /// data source, which has no exact form outside NetSpec, is a warning and
  /// leaves train.py without data.
  func emit(_ diagnostics: inout [Diagnostic]) -> String? {
    guard let train = spec.document.train, let lossNode = graph.lossNode else { return nil }
    guard graph.targets.count < 2 else {
      diagnostics.append(
        Diagnostic(
          .noPyTorchForm, at: train.losses[1].span,
          "train.py feeds the data's one `label` tensor as the target; these loss terms compare against "
            + "\(graph.targets.count) data targets (\(graph.targets.map { "`\(graph.values[$0].name)`" }.joined(separator: ", "))), "
            + "so the project is written without train.py", severity: .warning
        )
        .help("train with `netspec train`, or write the training step around model.py by hand"))
      return nil
    }
    var lines = [
      "\"\"\"Trains \(spec.document.name ?? "model") (exported by `netspec export --format pytorch`) with PyTorch.",
      "",
      "    python train.py                            # one process (GPU when there is one)",
      "    torchrun --nproc_per_node=N train.py       # N processes with DistributedDataParallel",
      "",
      "Starts from init.safetensors (NetSpec's initialization, or the weights exported with",
      "--weights) and writes run/weights.safetensors and run/metrics.jsonl as `netspec train` does.",
      "\"\"\"",
      "",
      "import argparse",
      "import gzip",
      "import json",
      "import math",
      "import os",
      "import pathlib",
      "import time",
      "",
      "import numpy as np",
      "import torch",
      "import torch.distributed as dist",
      "import torch.nn.functional as F",
      "from safetensors.torch import load_file, save_file",
      "from torch.nn.parallel import DistributedDataParallel",
      "from torch.utils.data import DistributedSampler",
      "",
      TorchModelEmitter.scoresOneTerm(graph)
        ? "from model import INPUTS, PREDICTION, loss"
        : "from model import INPUTS, LOSS_WEIGHTS, PREDICTION, loss_terms",
      "from model import \(className) as Model",
      "",
    ]
    lines += objective()
    lines += [
      "# ----------------------------------------------------------------- the spec's settings",
      "",
      "SPEC = \(PythonNames.string(spec.document.name ?? "model"))",
      "SEED = \(train.seed)",
      "EPOCHS = \(train.epochs)",
    ]
    if case .size(let size) = train.batchSize {
      lines.append("BATCH_SIZE = \(size)")
    } else {
      lines.append("BATCH_SIZE = None  # the whole training split")
    }
    lines.append("OPTIMIZER = \(optimizer(train.optimizer))")
    lines.append("WEIGHT_DECAY = \(TorchLayer.number(train.weightDecay))  # L2, added to the gradient")
    lines.append("SCHEDULE = \(schedule(train.schedule))")
    lines.append("CLIP_GRAD_NORM = \(train.clipGradNorm.map(TorchLayer.number) ?? "None")")
    if let stopping = train.earlyStopping {
      lines.append(
        "EARLY_STOPPING = {\"monitor\": \(PythonNames.string(stopping.monitor.rawValue)), \"patience\": \(stopping.patience), "
          + "\"min_delta\": \(TorchLayer.number(stopping.minDelta)), \"restore_best\": \(python(stopping.restoreBest))}"
      )
    } else {
      lines.append("EARLY_STOPPING = None")
    }
    lines.append("METRICS = [\(train.metrics.map { PythonNames.string($0.metric.rawValue) }.joined(separator: ", "))]")
    lines.append("LOSS = \(PythonNames.string(lossNode.opName))")
    let target = graph.values[lossNode.inputs[1]].type
    lines.append("TARGET_SHAPE = \(shape(target.shape.dropFirst()))")
    lines.append("TARGET_DTYPE = torch.\(lossNode.opName == "cross_entropy" ? "int64" : "float32")")
    lines.append("INPUT_SHAPE = \(shape(graph.values[graph.inputs[0]].type.shape.dropFirst()))")
    lines.append("DATA_DIR = pathlib.Path(\(PythonNames.string(dataDirectory)))  # the spec's folder")
    guard let data = spec.document.data else {
      lines.append("DATA = None  # the spec has no data section")
      lines.append("AUGMENT = []")
      return (lines + ["", ""]).joined(separator: "\n") + TorchTrainRuntime.source
    }
    guard let trainSource = source(data.train, &diagnostics) else {
      lines.append("DATA = None  # a synthetic source: NetSpec's generator has no PyTorch form")
      lines.append("AUGMENT = []")
      return (lines + ["", ""]).joined(separator: "\n") + TorchTrainRuntime.source
    }
    var entries = [
      "\"train\": \(trainSource)", "\"validation\": \(TorchLayer.number(data.split.validation))",
      "\"test\": \(TorchLayer.number(data.split.test))", "\"shuffle\": \(python(data.split.shuffle))",
      "\"standardize\": \(python(data.train.standardizesAny))",
    ]
    if data.train.namedInputs != nil {
      let names = data.train.inputTransforms.filter(\.standardize).map { PythonNames.string($0.name) }
      entries.append("\"standardize_inputs\": [\(names.joined(separator: ", "))]")
    }
    if let test = data.test {
      if let testSource = source(test, &diagnostics) { entries.append("\"test_source\": \(testSource)") }
    }
    lines.append("DATA = {")
    lines += entries.map { "    \($0)," }
    lines.append("}")
    lines.append("AUGMENT = [\(data.augmentations.map { augmentation($0.kind) }.joined(separator: ", "))]")
    return (lines + ["", ""]).joined(separator: "\n") + TorchTrainRuntime.source
  }

  /// `objective(outputs, inputs, target)`: the loss of forward's outputs
  /// and the terms by name, as `netspec train` logs them
  /// (`train_loss_<name>`); no terms for a loss of one term.
  private func objective() -> [String] {
    let body =
      TorchModelEmitter.scoresOneTerm(graph)
      ? [
        "    \"\"\"The spec's loss of forward's outputs against the target; a loss of one term has no terms.\"\"\"",
        "    return loss(outputs[PREDICTION] if isinstance(outputs, tuple) else outputs, target), {}",
      ]
      : [
        "    \"\"\"The weighted sum of the spec's loss terms, and the terms by name (train_loss_<name> in the log).\"\"\"",
        "    terms = loss_terms(outputs if isinstance(outputs, tuple) else (outputs,), inputs, target)",
        "    return sum(LOSS_WEIGHTS[name] * value for name, value in terms.items()), terms",
      ]
    return ["", "def objective(outputs, inputs, target):"] + body + ["", ""]
  }

  private func optimizer(_ o: OptimizerSpec) -> String {
    var entries = ["\"name\": \(PythonNames.string(o.name))", "\"lr\": \(TorchLayer.number(o.learningRate))"]
    switch o.algorithm {
    case .sgd(let momentum, let nesterov):
      entries += ["\"momentum\": \(TorchLayer.number(momentum))", "\"nesterov\": \(python(nesterov))"]
    case .adam(let adam):
      entries += betas(adam)
    case .adamw(let adam, let decay):
      entries += betas(adam) + ["\"decoupled_weight_decay\": \(TorchLayer.number(decay))"]
    }
    return "{\(entries.joined(separator: ", "))}"
  }

  private func betas(_ adam: OptimizerSpec.AdamParameters) -> [String] {
    [
      "\"beta1\": \(TorchLayer.number(adam.beta1))", "\"beta2\": \(TorchLayer.number(adam.beta2))",
      "\"eps\": \(TorchLayer.number(adam.epsilon))",
    ]
  }

  private func schedule(_ s: LRSchedule) -> String {
    let kind: String
    switch s.kind {
    case .constant: kind = "\"kind\": \"constant\""
    case .step(let every, let gamma):
      kind = "\"kind\": \"step\", \"every\": \(every), \"gamma\": \(TorchLayer.number(gamma))"
    case .cosine(let minLR): kind = "\"kind\": \"cosine\", \"min_lr\": \(TorchLayer.number(minLR))"
    }
    return "{\(kind), \"warmup_epochs\": \(s.warmupEpochs)}"
  }

  /// A data source as a Python dict, or nil with a diagnostic for a synthetic task.
  private func source(_ source: DataSource, _ diagnostics: inout [Diagnostic]) -> String? {
    var entries: [String]
    switch source.format {
    case .csv(let path, let label, _):
      entries = [
        "\"format\": \"csv\"", "\"path\": \(PythonNames.string(path.path))", "\"label\": \(column(label))",
      ]
    case .csvFiles(let inputs, let labels):
      entries = [
        "\"format\": \"csv_files\"", "\"inputs\": \(PythonNames.string(inputs.path))",
        "\"labels\": \(PythonNames.string(labels.path))",
      ]
    case .npy(let inputs, let labels):
      entries = [
        "\"format\": \"npy\"", "\"inputs\": \(PythonNames.string(inputs.path))",
        "\"labels\": \(PythonNames.string(labels.path))",
      ]
    case .idx(let images, let labels):
      entries = [
        "\"format\": \"idx\"", "\"inputs\": \(PythonNames.string(images.path))",
        "\"labels\": \(PythonNames.string(labels.path))",
      ]
    case .perInput(let kind, let inputs, let labels):
      let files = inputs.map { "\(PythonNames.string($0.name)): \(PythonNames.string($0.path.path))" }
      entries = [
        "\"format\": \"\(kind.rawValue)_inputs\"", "\"inputs\": {\(files.joined(separator: ", "))}",
        "\"labels\": \(PythonNames.string(labels.path))",
      ]
    case .csvColumns(let path, let groups, let label, _):
      let columns = groups.map { group in
        "\(PythonNames.string(group.name)): [\(group.columns.map(column).joined(separator: ", "))]"
      }
      entries = [
        "\"format\": \"csv_columns\"", "\"path\": \(PythonNames.string(path.path))",
        "\"columns\": {\(columns.joined(separator: ", "))}", "\"label\": \(column(label))",
      ]
    case .synthetic:
      diagnostics.append(
        Diagnostic(
          .noPyTorchForm, at: source.span,
          "a synthetic data source has no exact PyTorch form: its samples come from NetSpec's generator; "
            + "train.py is written without data", severity: .warning
        )
        .help("write the samples to files (CSV, NPY or IDX) and name them here, then export again"))
      return nil
    }
    entries.append("\"header\": \(PythonNames.string(source.header.rawValue))")
    if let scale = source.scale { entries.append("\"scale\": \(TorchLayer.number(scale))") }
    let scales = source.inputTransforms.compactMap { transform in
      transform.scale.map { "\(PythonNames.string(transform.name)): \(TorchLayer.number($0))" }
    }
    if !scales.isEmpty { entries.append("\"scales\": {\(scales.joined(separator: ", "))}") }
    if let reshape = source.reshape {
      entries.append("\"reshape\": [\(reshape.sizes.map(String.init).joined(separator: ", "))]")
    }
    return "{\(entries.joined(separator: ", "))}"
  }

  /// A CSV column as Python: `"last"`, `"first"`, an index or a header name.
  private func column(_ column: LabelColumn) -> String {
    switch column {
    case .last: "\"last\""
    case .first: "\"first\""
    case .index(let index): "\(index)"
    case .name(let name): PythonNames.string(name)
    }
  }

  private func augmentation(_ kind: AugmentationStep) -> String {
    switch kind {
    case .randomShift(let pixels): "(\"random_shift\", \(pixels))"
    case .randomCrop(let height, let width, let padding): "(\"random_crop\", ((\(height), \(width)), \(padding)))"
    case .horizontalFlip(let probability): "(\"horizontal_flip\", \(TorchLayer.number(probability)))"
    case .gaussianNoise(let std): "(\"gaussian_noise\", \(TorchLayer.number(std)))"
    }
  }

  private func shape(_ dims: ArraySlice<Dim>) -> String {
    "[\(dims.map { $0.staticValue.map(String.init) ?? "None" }.joined(separator: ", "))]"
  }

  private func python(_ value: Bool) -> String { value ? "True" : "False" }
}
