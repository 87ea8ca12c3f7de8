import NetSpecDiagnostics

/// A node of a parsed YAML document. Every node keeps the span of source text it
/// came from, so later stages can point diagnostics at the exact key or value.
/// Aliases are already expanded: an alias node is a copy of its anchor's node with
/// the alias's own span.
public indirect enum YAMLNode: Sendable {
  case scalar(YAMLScalar)
  case sequence([YAMLNode], span: SourceSpan)
  case mapping([YAMLEntry], span: SourceSpan)

  /// Where the node stands in the source.
  public var span: SourceSpan {
    switch self {
    case .scalar(let s): s.span
    case .sequence(_, let span), .mapping(_, let span): span
    }
  }

  /// A word for the node's kind, for messages: "a string", "a list", "a mapping".
  public var kindDescription: String {
    switch self {
    case .scalar(let s): s.isNull ? "null" : "a scalar"
    case .sequence: "a list"
    case .mapping: "a mapping"
    }
  }
}

/// A scalar with its text as written and how it was written.
public struct YAMLScalar: Sendable {
  public var value: String
  /// Plain scalars may be numbers, booleans or null; quoted and block scalars are
  /// always strings.
  public var style: Style
  public var span: SourceSpan

  public enum Style: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

  public init(value: String, style: Style, span: SourceSpan) {
    self.value = value
    self.style = style
    self.span = span
  }

  /// True for a plain `null`, `~` or empty scalar.
  public var isNull: Bool {
    style == .plain && ["", "~", "null", "Null", "NULL"].contains(value)
  }
}

/// One `key: value` pair of a mapping. Keys are scalars (complex keys are rejected
/// by the parser).
public struct YAMLEntry: Sendable {
  public var key: YAMLScalar
  public var value: YAMLNode

  public init(key: YAMLScalar, value: YAMLNode) {
    self.key = key
    self.value = value
  }
}
