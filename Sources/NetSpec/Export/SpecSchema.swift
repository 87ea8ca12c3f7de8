import NetSpecDiagnostics

/// The hand-written part of the spec language's JSON Schema: the top-level
/// keys and the `train:`, `data:`, `expect:` and `decode:` sections, whose decoders read
/// them key by key rather than from a registry. Everything described by hand
/// lives here and is keyed by the decoders' own key lists where they have
/// them (`SpecDecoder.topLevelKeys`, `TrainSpec.keys`, `DataSpec.keys`, ...),
/// so a key added to a decoder appears in the schema; tests check that every
/// such key is described.
/// ``JSONSchemaExporter`` adds the op-generated layer and loss definitions.
enum SpecSchema {
  /// The root schema's keywords (without `$schema`, `title` and `$defs`).
  static var root: [String: JSONValue] {
    [
      "type": .string("object"),
      "description": .string(
        "A NetSpec model spec: inputs, layers and optionally blocks, training and data. See docs/ in the NetSpec repository."
      ),
      "properties": .object(matching(topLevel, keys: SpecDecoder.topLevelKeys)),
      "required": .strings(["netspec", "inputs", "layers"]),
      "additionalProperties": .bool(false),
    ]
  }

  /// Shared definitions under `$defs` (the exporter adds `layer`,
  /// `layerOrBlock` and `loss`).
  static var definitions: [String: JSONValue] {
    [
      "expression": .object([
        "type": .string("string"),
        "pattern": .string(#"\$|^[-+*/%() .eE_0-9]+$"#),
        "description": .string(
          "An expression evaluated by netspec: `$name` (a variable or block argument), arithmetic such as `$d_model * 4` or `1/255`."
        ),
      ]),
      "value": .object([
        "type": .strings(["array", "boolean", "null", "number", "string"]),
        "items": SchemaNode.ref("value"),
        "description": .string("A number, word, boolean, null, expression or list of them."),
      ]),
      "names": SchemaNode.anyOf(
        [SchemaNode.string, SchemaNode.array(SchemaNode.string, minItems: 1)], expressions: false),
      "shape": SchemaNode.described(
        SchemaNode.array(SchemaNode.anyOf([SchemaNode.rawInteger(1...Dim.limit), symbol])),
        "A shape: positive integers and symbols such as `N` (batch) or `T` (sequence length)."),
      "train": trainSection,
      "data": dataSection,
      "dataSource": dataSource,
      "expect": expectSection,
      "decode": decodeSection,
    ]
  }

  /// A shape symbol such as `N`.
  static let symbol: JSONValue = .object([
    "type": .string("string"), "pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$"),
  ])

  /// The keys every layer may carry beside its op (``LayerDecl/commonKeys``).
  static var commonLayerKeys: [String: JSONValue] {
    matching(
      [
        "name": SchemaNode.described(
          SchemaNode.anyOf([
            .object(["type": .string("string"), "pattern": .string("^[A-Za-z_][A-Za-z0-9_-]*$")])
          ]),
          "The layer's name, for `from`, `tie`, `outputs` and the loss; default `<op>_<k>`."),
        "from": SchemaNode.described(
          SchemaNode.ref("names"),
          "The layer's inputs by name (layers or model inputs); default the previous layer."),
        "repeat": SchemaNode.described(
          SchemaNode.integer(0...LoweringLimits.default.maxRepeat),
          "Stack this many copies, named `<name>.0`, `<name>.1`, ...; `$index` is the copy's index; 0 removes the layer."
        ),
        "tie": SchemaNode.described(
          SchemaNode.string, "An earlier layer whose parameters of the same name and shape this layer shares."),
        "trainable": SchemaNode.described(
          SchemaNode.boolean, "false freezes the layer's parameters; default true."),
        "init": SchemaNode.described(
          .object(["type": .array([.string("string"), .string("object")])]),
          "Initializers: a method for all weights (`xavier_uniform`, `{normal: {std: 0.02}}`) or one per parameter (`{weight: orthogonal, bias: zeros}`); see docs/SPEC.md."
        ),
      ], keys: LayerDecl.commonKeys)
  }

  /// `from` and `target` of `train.loss` (``LossDecl/ownKeys``).
  static var lossKeys: [String: JSONValue] {
    matching(
      [
        "from": SchemaNode.described(
          SchemaNode.string, "The layer whose output is the prediction; default the model's output."),
        "target": SchemaNode.described(
          SchemaNode.string, "The name of the target tensor the data provides; default `label`."),
      ], keys: LossDecl.ownKeys)
  }

  // MARK: - Top level

  private static var topLevel: [String: JSONValue] {
    let identifier: JSONValue = .object(["pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$")])
    return [
      "netspec": .object([
        "enum": .array(SpecDecoder.supportedVersions.map { .int($0) }),
        "description": .string("The format version; write `netspec: 1` first."),
      ]),
      "name": SchemaNode.described(SchemaNode.string, "The model's name."),
      "description": SchemaNode.described(SchemaNode.string, "One line about the model."),
      "vars": SchemaNode.map(
        SchemaNode.ref("value"), keys: identifier,
        description: "Variables for `$name` in values and expressions; override with `--set name=value`."),
      "inputs": SchemaNode.map(
        SchemaNode.anyOf(
          [
            SchemaNode.ref("shape"),
            SchemaNode.closedObject(
              [
                "shape": SchemaNode.ref("shape"),
                "dtype": .object(["enum": .strings([DType.float32.rawValue, DType.int32.rawValue])]),
              ], required: ["shape"]),
          ], expressions: false),
        description: "Model inputs by name: a shape (`[N, 1, 28, 28]`) or `{shape: [N, T], dtype: int32}`."),
      "blocks": SchemaNode.map(
        SchemaNode.closedObject(
          [
            "inputs": SchemaNode.described(SchemaNode.ref("names"), "The block's input names; default `[input]`."),
            "args": SchemaNode.map(
              SchemaNode.ref("value"), keys: identifier,
              description: "Arguments with their defaults; `required` for none. Used as `$name` inside."),
            "layers": SchemaNode.array(SchemaNode.ref("layerOrBlock")),
            "outputs": SchemaNode.described(
              SchemaNode.ref("names"),
              "Values of the block's layers it outputs; the first is the instance's value, each `<instance>.<name>`."),
          ], required: ["layers"]),
        keys: .object(["not": .object(["enum": .strings(OpRegistry.names)])]),
        description: "Reusable sub-networks by name, invoked like ops: `- basic: {channels: 64}`."),
      "layers": .object([
        "type": .string("array"),
        "description": .string("The model's layers; each feeds the next unless it says `from:`."),
      ]),
      "outputs": SchemaNode.described(SchemaNode.ref("names"), "The model's outputs by name; default the last layer."),
      "train": SchemaNode.ref("train"),
      "data": SchemaNode.ref("data"),
      "expect": SchemaNode.ref("expect"),
      "decode": SchemaNode.ref("decode"),
    ]
  }

  // MARK: - train:

  private static var trainSection: JSONValue {
    SchemaNode.closedObject(
      matching(
        [
          "loss": SchemaNode.ref("loss"),
          "optimizer": SchemaNode.described(
            SchemaNode.tagged(optimizers), "The update rule; default adam with lr 0.001."),
          "weight_decay": SchemaNode.described(SchemaNode.number(.nonNegative), "L2 penalty coefficient; default 0."),
          "batch_size": SchemaNode.described(
            SchemaNode.anyOf([SchemaNode.rawInteger(1...Dim.limit), .object(["const": .string("all")])]),
            "Samples per step; `all` for full-batch gradient descent; default 32."),
          "epochs": SchemaNode.described(
            SchemaNode.integer(1...Dim.limit), "Passes over the training data; default 10."),
          "seed": SchemaNode.described(
            SchemaNode.integer(0...Dim.limit),
            "Seeds initialization, shuffling, dropout and augmentation; default 0."),
          "early_stopping": SchemaNode.closedObject(
            [
              "monitor": SchemaNode.words(EarlyStopping.Monitor.allCases.map(\.rawValue)),
              "patience": SchemaNode.integer(0...Dim.limit),
              "min_delta": SchemaNode.number(.nonNegative),
              "restore_best": SchemaNode.boolean,
            ],
            description: "Stop when `monitor` (default val_loss) has not improved for `patience` (default 5) epochs."),
          "schedule": SchemaNode.described(
            SchemaNode.tagged(schedules), "The learning-rate schedule; default constant."),
          "clip_grad_norm": SchemaNode.described(
            SchemaNode.number(.positive), "Scale gradients so their global L2 norm is at most this."),
          "metrics": SchemaNode.described(
            SchemaNode.array(SchemaNode.words(MetricDecl.Metric.allCases.map(\.rawValue))),
            "Metrics reported each epoch."),
          "checkpoint_every": SchemaNode.described(
            SchemaNode.integer(1...Dim.limit), "Save a checkpoint every this many epochs."),
        ], keys: TrainSpec.keys),
      required: ["loss"], description: "How to train: loss, optimizer, batches, epochs, schedule.")
  }

  /// `train.optimizer` choices, with the keys ``OptimizerSpec`` reads.
  private static var optimizers: [SchemaNode.Choice] {
    let adam: [String: JSONValue] = [
      "lr": SchemaNode.number(.positive), "beta1": SchemaNode.number(.fraction),
      "beta2": SchemaNode.number(.fraction), "eps": SchemaNode.number(.positive),
    ]
    return [
      SchemaNode.Choice(
        name: "sgd", description: "Stochastic gradient descent (lr 0.01 unless given), with optional momentum.",
        settings: [
          "lr": SchemaNode.number(.positive), "momentum": SchemaNode.number(.fraction),
          "nesterov": SchemaNode.boolean,
        ], required: [], primary: "lr"),
      SchemaNode.Choice(
        name: "adam", description: "Adam (lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8 unless given).",
        settings: adam, required: [], primary: "lr"),
      SchemaNode.Choice(
        name: "adamw", description: "AdamW: Adam with decoupled weight decay (default 0.01).",
        settings: adam.merging(["weight_decay": SchemaNode.number(.nonNegative)]) { a, _ in a },
        required: [], primary: "lr"),
    ]
  }

  /// `train.schedule` choices, with the keys ``LRSchedule`` reads.
  private static var schedules: [SchemaNode.Choice] {
    let warmup = SchemaNode.integer(0...Dim.limit)
    return [
      SchemaNode.Choice(
        name: "constant", description: "The base learning rate throughout, after an optional warmup.",
        settings: ["warmup_epochs": warmup], required: [], primary: nil),
      SchemaNode.Choice(
        name: "step", description: "Multiply the rate by `gamma` (default 0.1) every `every` epochs.",
        settings: [
          "every": SchemaNode.integer(1...Dim.limit), "gamma": SchemaNode.number(.probability),
          "warmup_epochs": warmup,
        ], required: ["every"], primary: "every"),
      SchemaNode.Choice(
        name: "cosine", description: "Cosine annealing from the base rate down to `min_lr` (default 0).",
        settings: ["min_lr": SchemaNode.number(.nonNegative), "warmup_epochs": warmup], required: [],
        primary: "min_lr"),
    ]
  }

  // MARK: - data:

  private static var dataSection: JSONValue {
    SchemaNode.closedObject(
      matching(
        [
          "train": SchemaNode.described(SchemaNode.ref("dataSource"), "The training samples."),
          "test": SchemaNode.described(SchemaNode.ref("dataSource"), "A separate test set."),
          "split": SchemaNode.closedObject(
            [
              "validation": SchemaNode.number(.fraction), "test": SchemaNode.number(.fraction),
              "shuffle": SchemaNode.boolean,
            ], description: "Fractions of `train` held out for validation and testing; shuffle (default true)."),
          "augment": SchemaNode.described(
            SchemaNode.array(SchemaNode.tagged(augmentations)), "Random transformations of training samples, in order."),
          "classes": SchemaNode.described(
            SchemaNode.array(SchemaNode.string, minItems: 1),
            "Names of the class indices 0, 1, ... of a `cross_entropy` model, for `netspec eval` and `predict`."),
        ], keys: DataSpec.keys),
      required: ["train"], description: "Where the samples come from, how they are split and augmented.")
  }

  /// `data.train` / `data.test`: exactly one format key plus options.
  private static var dataSource: JSONValue {
    let path = SchemaNode.described(SchemaNode.string, "A file path relative to the spec's folder.")
    func pair(_ a: String, _ b: String) -> JSONValue {
      SchemaNode.closedObject([a: path, b: path], required: [a, b])
    }
    // `inputs` is one path, or one path per model input.
    let perInput = SchemaNode.closedObject(
      [
        "inputs": SchemaNode.anyOf(
          [path, .object(["type": .string("object"), "additionalProperties": path, "minProperties": .int(1)])],
          expressions: false),
        "labels": path,
      ], required: ["inputs", "labels"])
    let formats = matching(
      [
        "csv": SchemaNode.described(
          SchemaNode.anyOf([path, perInput], expressions: false),
          "A CSV file (gzip when named .gz), one sample per row; or `{inputs, labels}` files row for row (`inputs`: one file per model input as `{NAME: PATH}`)."
        ),
        "npy": SchemaNode.described(
          perInput, "NumPy arrays, samples along the first axis (`inputs`: one file per model input as `{NAME: PATH}`)."
        ),
        "idx": SchemaNode.described(pair("images", "labels"), "IDX files (the MNIST format)."),
        "synthetic": SchemaNode.closedObject(
          [
            "task": SchemaNode.words(SyntheticData.Task.allCases.map(\.rawValue)),
            "samples": SchemaNode.integer(1...SyntheticData.maxValues),
            "length": SchemaNode.integer(1...SyntheticData.maxValues),
            "vocab": SchemaNode.integer(2...1_000_000),
            "size": SchemaNode.integer(SyntheticData.sizes),
            "classes": SchemaNode.integer(2...3),
          ], required: ["task", "samples"],
          description:
            "Generated sequence tasks (`length`), or images of shapes with segmentation masks (`shapes`, `size`)."),
      ], keys: DataSource.formats)
    let options = matching(
      [
        "label": SchemaNode.described(
          SchemaNode.anyOf([SchemaNode.string, SchemaNode.rawInteger(0...Dim.limit)], expressions: false),
          "CSV only: the label column: `last`, `first`, an index from 0 or a header name."),
        "scale": SchemaNode.described(
          SchemaNode.number(.positive), "Multiply every input value by this, e.g. `1/255`."),
        "standardize": SchemaNode.described(SchemaNode.boolean, "Z-score each feature with training statistics."),
        "reshape": SchemaNode.described(
          SchemaNode.array(SchemaNode.integer(1...Dim.limit), minItems: 1),
          "The shape of one sample, without the batch axis."),
        "label_dtype": SchemaNode.words([DType.int32.rawValue, DType.float32.rawValue]),
        "input": SchemaNode.described(SchemaNode.string, "The model input the samples feed; default the only one."),
        "columns": SchemaNode.described(
          .object([
            "type": .string("object"), "minProperties": .int(1),
            "additionalProperties": SchemaNode.array(
              SchemaNode.anyOf([SchemaNode.string, SchemaNode.rawInteger(0...Dim.limit)], expressions: false),
              minItems: 1),
          ]),
          "CSV only: the columns (indices from 0 or header names) that feed each model input, `{NAME: [COLUMN, ...]}`."),
        "one_hot": SchemaNode.described(SchemaNode.boolean, "Turn class indices into one-hot float32 rows."),
        "header": SchemaNode.described(
          SchemaNode.anyOf([.object(["type": .string("boolean")]), .object(["enum": .strings(["auto"])])]),
          "Whether a CSV file's first row is a header; `auto` (default): only a row of names."),
      ], keys: DataSource.options)
    return .object([
      "type": .string("object"),
      "properties": .object(formats.merging(options) { a, _ in a }),
      "additionalProperties": .bool(false),
      "oneOf": .array(DataSource.formats.map { .object(["required": .strings([$0])]) }),
      "description": .string(
        "One data source: exactly one of \(DataSource.formats.joined(separator: ", ")), plus options."),
    ])
  }

  /// `data.augment` entries, with the keys ``Augmentation`` reads.
  private static var augmentations: [SchemaNode.Choice] {
    let size = SchemaNode.anyOf([
      SchemaNode.rawInteger(1...Dim.limit), SchemaNode.array(SchemaNode.integer(1...Dim.limit), count: 2...2),
    ])
    return [
      SchemaNode.Choice(
        name: "random_shift", description: "Translate by up to `pixels` on each axis.",
        settings: ["pixels": SchemaNode.integer(1...Dim.limit)], required: ["pixels"], primary: "pixels"),
      SchemaNode.Choice(
        name: "random_crop", description: "Pad by `padding`, then cut a random `size` window.",
        settings: ["size": size, "padding": SchemaNode.integer(0...Dim.limit)], required: ["size"],
        primary: "size"),
      SchemaNode.Choice(
        name: "horizontal_flip", description: "Mirror left-right with `probability` (default 0.5).",
        settings: ["probability": SchemaNode.number(.probability)], required: [], primary: "probability"),
      SchemaNode.Choice(
        name: "gaussian_noise", description: "Add normal noise with standard deviation `std`.",
        settings: ["std": SchemaNode.number(.positive)], required: ["std"], primary: "std"),
    ]
  }

  // MARK: - expect:

  private static var expectSection: JSONValue {
    let count = SchemaNode.integer(0...Dim.limit)
    let layer = matching(
      [
        "params": SchemaNode.described(count, "The layer's own parameter count."),
        "flops": SchemaNode.described(count, "The layer's forward-pass FLOPs per sample."),
        "output": SchemaNode.described(SchemaNode.ref("shape"), "The layer's output shape."),
      ], keys: ExpectedLayer.keys)
    return SchemaNode.closedObject(
      matching(
        [
          "params": SchemaNode.described(count, "The parameter count (tied weights once)."),
          "flops": SchemaNode.described(count, "Forward-pass FLOPs per sample."),
          "outputs": SchemaNode.map(SchemaNode.ref("shape"), description: "Expected shapes of named values."),
          "layers": SchemaNode.map(
            SchemaNode.closedObject(layer).adding("minProperties", .int(1)),
            description: "Expected facts about single layers by name: `{conv2: {params: 2416}}`."),
        ], keys: ExpectSpec.keys),
      description: "Architecture facts `netspec check` verifies.")
  }

  // MARK: - decode:

  private static var decodeSection: JSONValue {
    let token = SchemaNode.integer(0...Dim.limit)
    return SchemaNode.closedObject(
      matching(
        [
          "input": SchemaNode.described(
            SchemaNode.string, "The int32 input [N, L] that reads the tokens decoded so far (the decoder's input)."),
          "start": SchemaNode.described(
            token, "The token the decoder reads first; default the start token of a synthetic task's `shifted_labels`."),
          "end": SchemaNode.described(token, "A token that ends a sequence: what follows it is not printed."),
          "max_length": SchemaNode.described(
            SchemaNode.integer(1...Dim.limit),
            "Tokens to decode when the input's length is a symbol no other input has."),
        ], keys: DecodeSpec.keys),
      required: ["input"],
      description: "How `netspec predict --greedy` decodes sequences autoregressively.")
  }

  // MARK: - Keeping in step with the decoders

  /// `schemas` for exactly the decoder's `keys`: a key the decoder reads but
  /// this file does not describe still gets an (unconstrained) entry, so the
  /// schema never rejects what netspec accepts; tests require every entry to
  /// be described.
  private static func matching(_ schemas: [String: JSONValue], keys: [String]) -> [String: JSONValue] {
    Dictionary(uniqueKeysWithValues: keys.map { ($0, schemas[$0] ?? .object([:])) })
  }
}
