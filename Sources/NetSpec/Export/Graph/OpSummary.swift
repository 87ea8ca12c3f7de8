/// A node's op as graph drawings show it: the op name and its key attributes,
/// written like a call, `conv2d(filters: 64, kernel: 7, stride: 2, padding: 3)`,
/// `dense(120, activation: tanh)`, `dropout(0.1)`, `relu`.
///
/// Read off the schema alone: the primary attribute comes first, unnamed (as
/// in the shorthand `dense: 120`), then the attributes of ``keyAttributes``
/// the op declares; an attribute at its default value is left out.
enum OpSummary {
  /// Attribute names shared by many ops that say what a layer does.
  static let keyAttributes = [
    "filters", "units", "kernel", "stride", "padding", "dilation", "groups", "heads", "hidden", "layers",
    "vocab", "dim", "causal", "returns", "activation",
  ]

  static func text(_ node: Node) -> String {
    let schema = type(of: node.op).schema
    var shown = schema.attributes.filter { keyAttributes.contains($0.name) && $0.name != schema.primary }
    if let primary = schema.primary.flatMap(schema.attribute(named:)) { shown.insert(primary, at: 0) }
    let parts = shown.compactMap { attribute -> String? in
      guard let value = node.attributes.values[attribute.name], value != .null else { return nil }
      if case .value(let defaultValue) = attribute.defaultValue, defaultValue == value { return nil }
      return attribute.name == schema.primary ? value.description : "\(attribute.name): \(value)"
    }
    return parts.isEmpty ? schema.name : "\(schema.name)(\(parts.joined(separator: ", ")))"
  }
}
