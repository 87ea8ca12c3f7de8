import NetSpecDiagnostics

/// Checks between `inputs:`, `train:` and `data:` that no one section can make
/// alone, run on a decoded document (only when it has a `data:` section):
///
/// - an early-stopping monitor on the validation split needs `data.split.validation` > 0;
/// - a loss term's target must be `label`, the one target a data source
///   provides, or a model input (an autoencoder's own input);
/// - a source's `input` must name a model input, and is required when there are several;
/// - a source feeding several inputs (`inputs: {NAME: PATH}`, `columns:`) must name
///   model inputs, every one of them, and takes no augmentation;
/// - `reshape` must give the fed input's per-sample shape (before a random crop,
///   which sets the last two axes);
/// - augmentations need float32 samples, image augmentations need samples with
///   height and width, and a random crop's window must be the input's height and width.
enum SectionChecks {
  static func check(_ document: SpecDocument, _ diagnostics: inout DiagnosticBag) {
    guard let data = document.data else { return }
    if let train = document.train {
      checkTraining(train, data: data, inputs: document.inputs.map(\.name), &diagnostics)
    }
    let crops = data.augmentations.contains {
      if case .randomCrop = $0.kind { true } else { false }
    }
    var sources = [("data.train", data.train)]
    if let test = data.test { sources.append(("data.test", test)) }
    if let test = data.test, data.train.namedInputs != nil, test.namedInputs == nil {
      diagnostics.append(
        Diagnostic(.badData, at: test.span, "`data.test` feeds one input, but `data.train` feeds several")
          .label(data.train.span, "the training source names its inputs")
          .help("give the test set one file (or column group) per input too, as `data.train` does"))
    }
    for (section, source) in sources {
      if section == "data.test", data.train.namedInputs != nil, source.namedInputs == nil { continue }
      if let named = source.namedInputs {
        checkNamedInputs(
          section, named, source: source, inputs: document.inputs, rejected: document.rejectedInputs, &diagnostics)
        for transform in source.inputTransforms {
          guard let input = document.inputs.first(where: { $0.name == transform.name }), input.type.dtype == .int32
          else { continue }
          diagnostics.append(
            Diagnostic(
              .badData, at: transform.span,
              "`scale` and `standardize` transform float32 inputs, but `\(input.name)` is int32 (token ids)"
            )
            .label(input.span, "`\(input.name)` is declared here")
            .help("remove `\(input.name)` from `scale` and `standardize`: ids are used as they are"))
        }
        if section == "data.train", let augmentation = data.augmentations.first {
          diagnostics.append(
            Diagnostic(.badData, at: augmentation.span, "augmentations transform the samples of one input")
              .label(source.span, "this source feeds \(named.count) inputs")
              .help("remove `augment`, or train a model with a single input"))
        }
        continue
      }
      guard
        let input = fedInput(
          section, source, inputs: document.inputs, rejected: document.rejectedInputs, &diagnostics)
      else { continue }
      if let reshape = source.reshape {
        checkReshape(reshape, input: input, cropped: crops, &diagnostics)
      }
      if section == "data.train" {
        for augmentation in data.augmentations { check(augmentation, input: input, &diagnostics) }
      }
    }
  }

  private static func checkTraining(
    _ train: TrainSpec, data: DataSpec, inputs: [String], _ diagnostics: inout DiagnosticBag
  ) {
    if let stopping = train.earlyStopping, stopping.monitor.needsValidation, data.split.validation == 0 {
      diagnostics.append(
        Diagnostic(
          .valueOutOfRange, at: stopping.monitorSpan,
          "early stopping monitors `\(stopping.monitor.rawValue)`, but no data is held out for validation"
        )
        .label(data.split.span, "no `validation` fraction here")
        .help("hold out data with `split: {validation: 0.1}` under `data:`, or monitor `loss`"))
    }
    for target in train.losses.compactMap(\.target)
    where target.name != LossDecl.defaultTarget && !inputs.contains(target.name) {
      var diagnostic = Diagnostic(
        .badLoss, at: target.span, "the data provides its targets as `label`, not `\(target.name)`")
      if let suggestion = Suggestions.didYouMean(target.name, in: [LossDecl.defaultTarget] + inputs) {
        diagnostic = diagnostic.help(suggestion)
      }
      diagnostics.append(
        diagnostic.help(
          "write `target: label`, name a model input (\(Suggestions.list(inputs))), or leave `target` out"))
    }
  }

  /// The input a source feeds: the one it names, or the model's only input.
  /// Nil, silently, when that input was `rejected` (its error is reported).
  private static func fedInput(
    _ section: String, _ source: DataSource, inputs: [InputDecl], rejected: RejectedInputs,
    _ diagnostics: inout DiagnosticBag
  ) -> InputDecl? {
    guard !rejected.isWholeSection else { return nil }
    let names = inputs.map(\.name) + rejected.names.sorted()
    guard let reference = source.input else {
      if names.count > 1 {
        diagnostics.append(
          Diagnostic(.missingKey, at: source.span, "`\(section)` must say which model input it feeds")
            .help("add `input:` naming one of \(Suggestions.list(names))"))
      }
      return names.count == 1 ? inputs.first : nil
    }
    if let input = inputs.first(where: { $0.name == reference.name }) { return input }
    guard !rejected.names.contains(reference.name) else { return nil }
    var diagnostic = Diagnostic(
      .unknownReference, at: reference.span, "`\(section).input` names no model input `\(reference.name)`")
    if let suggestion = Suggestions.didYouMean(reference.name, in: names) {
      diagnostic = diagnostic.help(suggestion)
    }
    diagnostics.append(
      diagnostic.help(names.isEmpty ? "the spec declares no `inputs:`" : "the inputs are \(Suggestions.list(names))"))
    return nil
  }

  /// A source feeding several inputs must name model inputs, and every one
  /// of them.
  private static func checkNamedInputs(
    _ section: String, _ named: [(name: String, span: SourceSpan)], source: DataSource, inputs: [InputDecl],
    rejected: RejectedInputs, _ diagnostics: inout DiagnosticBag
  ) {
    guard !rejected.isWholeSection else { return }
    let names = inputs.map(\.name) + rejected.names.sorted()
    for (name, span) in named where !names.contains(name) {
      var diagnostic = Diagnostic(.unknownReference, at: span, "`\(section)` feeds no model input `\(name)`")
      if let suggestion = Suggestions.didYouMean(name, in: names) { diagnostic = diagnostic.help(suggestion) }
      diagnostics.append(
        diagnostic.help(names.isEmpty ? "the spec declares no `inputs:`" : "the inputs are \(Suggestions.list(names))"))
    }
    let fed = Set(named.map(\.name))
    for input in inputs where !fed.contains(input.name) {
      diagnostics.append(
        Diagnostic(.missingKey, at: source.span, "`\(section)` gives no data for the model input `\(input.name)`")
          .label(input.span, "`\(input.name)` is declared here")
          .help("add `\(input.name)` to the source's `\(isColumns(source) ? "columns" : "inputs")`"))
    }
  }

  private static func isColumns(_ source: DataSource) -> Bool {
    if case .csvColumns = source.format { true } else { false }
  }

  /// The input's shape without its leading batch axis.
  private static func sampleShape(_ input: InputDecl) -> Shape { Array(input.type.shape.dropFirst()) }

  private static func checkReshape(
    _ reshape: SampleShape, input: InputDecl, cropped: Bool, _ diagnostics: inout DiagnosticBag
  ) {
    let expected = sampleShape(input)
    let compared = cropped ? max(0, expected.count - 2) : expected.count
    let fits =
      reshape.sizes.count == expected.count
      && zip(reshape.sizes, expected).prefix(compared).allSatisfy { size, dim in
        dim.staticValue.map { $0 == size } ?? true
      }
    guard !fits else { return }
    let written = "[" + reshape.sizes.map(String.init).joined(separator: ", ") + "]"
    diagnostics.append(
      Diagnostic(
        .badShape, at: reshape.span,
        "`reshape` gives samples of shape \(written), but the input `\(input.name)` takes \(expected.shapeDescription)"
      )
      .label(input.span, "`\(input.name)` is declared here")
      .help(
        cropped
          ? "a random crop sets the last two sizes; the others must match the input"
          : "write `reshape: \(expected.shapeDescription)`, the input's shape without the batch axis"))
  }

  private static func check(_ augmentation: Augmentation, input: InputDecl, _ diagnostics: inout DiagnosticBag) {
    let sample = sampleShape(input)
    guard input.type.dtype == .float32 else {
      diagnostics.append(
        Diagnostic(
          .badData, at: augmentation.span,
          "augmentations transform float32 samples, but `\(input.name)` is \(input.type.dtype.rawValue)"
        )
        .label(input.span, "`\(input.name)` is declared here")
        .help("remove the augmentation; token ids cannot be shifted or perturbed"))
      return
    }
    let name: String
    switch augmentation.kind {
    case .gaussianNoise: return
    case .randomShift: name = "random_shift"
    case .horizontalFlip: name = "horizontal_flip"
    case .randomCrop(let height, let width, _):
      name = "random_crop"
      if sample.count >= 2, let h = sample[sample.count - 2].staticValue, let w = sample[sample.count - 1].staticValue,
        (h, w) != (height, width)
      {
        diagnostics.append(
          Diagnostic(
            .badShape, at: augmentation.span,
            "the crop window is \(height)x\(width), but the input `\(input.name)` is \(h)x\(w)"
          )
          .label(input.span, "`\(input.name)` is declared here")
          .help("crop the input's size, `size: [\(h), \(w)]`, after padding (`padding: 4`)"))
      }
    }
    if sample.count < 2 {
      diagnostics.append(
        Diagnostic(
          .badShape, at: augmentation.span,
          "`\(name)` needs image samples (..., height, width), but the input `\(input.name)` takes \(sample.shapeDescription)"
        )
        .label(input.span, "`\(input.name)` is declared here")
        .help("reshape the samples to images, e.g. `reshape: [1, 28, 28]`, with an input to match"))
    }
  }
}
