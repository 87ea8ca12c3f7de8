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

      Shapes use `N` for the batch; every op keeps symbolic dims symbolic.

      """
    for category in OpCategory.allCases {
      let ops = OpRegistry.all.map { $0.schema }.filter { $0.category == category }
      guard !ops.isEmpty else { continue }
      text += "\n## \(title(category))\n"
      for schema in ops { text += "\n" + section(schema) }
    }
    return text
  }

  /// One op's section: summary, inputs, attribute table.
  public static func section(_ schema: OpSchema) -> String {
    var text = "### `\(schema.name)`\n\n\(schema.summary)\n\nInputs: \(schema.inputs.description)."
    if let primary = schema.primary { text += " Primary attribute: `\(primary)`." }
    text += "\n"
    guard !schema.attributes.isEmpty else { return text + "\nNo attributes.\n" }
    text += "\n| attribute | type | default | meaning |\n|---|---|---|---|\n"
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
    }
  }
}
