import NetSpecDiagnostics

/// A value from a spec after variables and expressions are resolved, with the
/// span it came from so later stages can point at it.
public struct SpecValue: Sendable, CustomStringConvertible {
  public indirect enum Kind: Sendable, Hashable {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case list([SpecValue])
    case null
  }

  public var kind: Kind
  public var span: SourceSpan

  public init(_ kind: Kind, span: SourceSpan) {
    self.kind = kind
    self.span = span
  }

  public var intValue: Int? {
    switch kind {
    case .int(let v): v
    case .float(let v) where v.rounded() == v && abs(v) < Double(Dim.limit): Int(v)
    default: nil
    }
  }

  public var doubleValue: Double? {
    switch kind {
    case .int(let v): Double(v)
    case .float(let v): v
    default: nil
    }
  }

  public var stringValue: String? {
    if case .string(let s) = kind { return s }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let b) = kind { return b }
    return nil
  }

  public var listValue: [SpecValue]? {
    if case .list(let l) = kind { return l }
    return nil
  }

  /// A word for the value's kind, for messages: "an integer", "a string", ...
  public var kindDescription: String { kind.kindDescription }

  /// The value as it would be written in YAML.
  public var description: String { kind.description }
}

extension SpecValue.Kind {
  /// A word for the kind, for messages: "an integer", "a string", ...
  public var kindDescription: String {
    switch self {
    case .int: "an integer"
    case .float: "a number"
    case .bool: "a boolean"
    case .string: "a string"
    case .list: "a list"
    case .null: "null"
    }
  }
}

extension SpecValue.Kind: CustomStringConvertible {
  /// The value as it would be written in YAML.
  public var description: String {
    switch self {
    case .int(let v): String(v)
    case .float(let v): formatNumber(v)
    case .bool(let b): String(b)
    case .string(let s): s
    case .list(let l): "[" + l.map(\.description).joined(separator: ", ") + "]"
    case .null: "null"
    }
  }
}

extension SpecValue.Kind {
  public static func == (a: SpecValue.Kind, b: SpecValue.Kind) -> Bool {
    switch (a, b) {
    case (.int(let x), .int(let y)): x == y
    case (.float(let x), .float(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.list(let x), .list(let y)): x.map(\.kind) == y.map(\.kind)
    case (.null, .null): true
    default: false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .int(let v): hasher.combine(v)
    case .float(let v): hasher.combine(v)
    case .bool(let v): hasher.combine(v)
    case .string(let v): hasher.combine(v)
    case .list(let l): hasher.combine(l.map(\.kind))
    case .null: hasher.combine(0)
    }
  }
}

/// Shortest decimal text for a double: `0.001`, `1e-08`, `3`.
func formatNumber(_ v: Double) -> String {
  if v.rounded() == v, abs(v) < 1e15 { return String(Int(v)) }
  return String(v)
}
