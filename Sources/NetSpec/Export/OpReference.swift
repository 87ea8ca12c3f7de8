import Foundation

/// The op reference (docs/OPS.md and `netspec ops`), generated from the
/// registry so it can never disagree with what the compiler accepts.
public enum OpReference {
  /// The whole reference as Markdown, ops grouped by category.
  public static func markdown() -> String {
    var text = """
      # Ops

      Generated from the op registry by `netspec ops --markdown`; a test keeps this
      file equal to that output. Each op's attributes are checked when a spec is
      read: unknown names, wrong kinds and out-of-range values are errors at the value.
      The *primary* attribute is the one a shorthand sets: `dropout: 0.3` means
      `dropout: {rate: 0.3}`. Ops without required attributes may be written as a
      bare word (`- relu`).

      Each op's *PyTorch* line is its PyTorch equivalent: what `netspec export
      --format pytorch` writes in model.py for the op's first example (`self.layer`
      is the layer's submodule, `F` is `torch.nn.functional`, and a helper model.py
      defines is named), with what that form does not show, or why there is no
      exact one. Attribute defaults are PyTorch's; where one differs, or PyTorch has
      none, the attribute's meaning says so and why.

      Shapes use `N` for the batch; every op keeps symbolic dims symbolic.
      `dense` and `conv2d` take a fused `activation:`, which is the activation op of
      that name at its defaults: `activation: gelu` is the tanh approximation of GELU
      (the `gelu` op's default `approximate: tanh`; write a `gelu: none` layer for the
      exact erf form).

      Each op that owns parameters lists them with their default initialization, drawn
      from the spec's seed (`--seed` for `train`). These are PyTorch's defaults for
      the matching `torch.nn` module (`Linear`, `Conv2d`, `Embedding`, `BatchNorm2d`,
      `LayerNorm`, `LSTM`, `GRU`, `MultiheadAttention`), except in the three places of
      the next paragraph. `U(-k, k)` is uniform on [-k, k] and `N(0, s)` normal with
      mean 0 and standard deviation `s`. `fan_in` is the number of inputs one output
      of the layer reads, the weight's size over its first dimension (`in_features`
      for `dense`, `in_channels / groups * kernel height * kernel width` for
      `conv2d`), and `fan_out` the weight's size over its second dimension; a bias
      takes its weight's. Buffers are state saved with the weights but not trained.

      The differences from PyTorch: `attention` draws its query, key and value weights
      each with Glorot's bound for a square `[D, D]` matrix, `sqrt(6/(2D))`, where
      PyTorch packs them into one `[3D, D]` matrix whose bound is `sqrt(6/(4D))`
      (PyTorch's own choice when the key and value sizes differ from the query's);
      `embedding` with `scale: true` draws from `N(0, 1/sqrt(dim))`, as fairseq's
      Transformer does; and a learned `positional_encoding` (which PyTorch has no
      module for) draws from `N(0, 0.02)`, as BERT and GPT-2 do in Hugging Face
      Transformers.

      Indexing ops never take the batch axis 0, and their `axis` defaults to 1
      (PyTorch's `narrow`, `select` and `squeeze` have no default axis). `squeeze`
      of an axis whose size is not 1 is an error (PyTorch leaves it alone);
      `expand` keeps the rank (no new leading axes) and `matmul` needs equal
      leading axes (no broadcasting). `parameter` and `constant` read their input
      only for its batch size `N`: `parameter: {shape: [1, D]}` stores a `[1, D]`
      `weight` and outputs `[N, 1, D]`, as ViT's `class_token.expand(N, -1, -1)`.

      """
    for category in OpCategory.allCases {
      let ops = OpRegistry.all.filter { $0.schema.category == category }
      guard !ops.isEmpty else { continue }
      text += "\n## \(title(category))\n"
      for op in ops { text += "\n" + section(op) }
    }
    return text
  }

  /// One op's section: summary, inputs, attribute table, parameters with
  /// their default initialization.
  public static func section(_ op: any Operator.Type) -> String {
    let schema = op.schema
    var text = "### `\(schema.name)`\n\n\(schema.summary)\n\nInputs: \(schema.inputs.description)."
    if let primary = schema.primary { text += " Primary attribute: `\(primary)`." }
    text += "\n\nPyTorch: \(torchEquivalent(op))\n"
    text += attributeTable(schema)
    let parameters = InitializationReference.rows(for: op)
    if !parameters.isEmpty {
      text += "\n| parameter | default initialization |\n|---|---|\n"
      for row in parameters {
        text += "| `\(row.parameter)`\(row.isBuffer ? " (buffer, not trained)" : "") | \(row.initialization) |\n"
      }
    }
    return text
  }

  /// The op's PyTorch equivalent (``TorchExportable/torchEquivalent``), or
  /// ``TorchEquivalent/missing`` for an op without a PyTorch form.
  public static func torchEquivalent(_ op: any Operator.Type) -> String {
    (op as? any TorchExportable.Type)?.torchEquivalent ?? TorchEquivalent.missing
  }

  private static func attributeTable(_ schema: OpSchema) -> String {
    guard !schema.attributes.isEmpty else { return "\nNo attributes.\n" }
    var text = "\n| attribute | type | default | meaning |\n|---|---|---|---|\n"
    for attribute in schema.attributes {
      let defaultText: String
      switch attribute.defaultValue {
      case .required: defaultText = "required"
      case .optional: defaultText = "none"
      case .value(let v): defaultText = "`\(v)`"
      }
      let type = attribute.kind.expectation.replacingOccurrences(of: "|", with: "\\|")
      text += "| `\(attribute.name)` | \(type) | \(defaultText) | \(attribute.doc) |\n"
    }
    return text
  }

  private static func title(_ category: OpCategory) -> String {
    switch category {
    case .layer: "Layers"
    case .pooling: "Pooling"
    case .shape: "Shape"
    case .merge: "Merging"
    case .activation: "Activations"
    case .regularization: "Regularization"
    case .normalization: "Normalization"
    case .embedding: "Embeddings"
    case .attention: "Attention"
    case .recurrent: "Recurrent"
    case .loss: "Losses (used under `train.loss`)"
    case .math: "Math (reductions, element-wise functions, sampling)"
    }
  }
}
