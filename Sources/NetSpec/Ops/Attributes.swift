import NetSpecDiagnostics

/// An op's attributes after validation against its ``OpSchema``: every declared
/// attribute with a default is present, every value has the declared kind and
/// lies in range. Accessors therefore do not fail for declared attributes.
public struct Attributes: Sendable {
  /// Validated values by attribute name (defaults included).
  public private(set) var values: [String: SpecValue.Kind]
  /// Where each explicitly written attribute stands in the spec.
  public private(set) var spans: [String: SourceSpan]

  public init(values: [String: SpecValue.Kind], spans: [String: SourceSpan]) {
    self.values = values
    self.spans = spans
  }

  /// Attributes for `schema` from already-valid values, with defaults filled in
  /// (for tests and programmatic graph building; specs go through validation).
  public init(_ schema: OpSchema, _ given: [String: SpecValue.Kind] = [:]) {
    var values = given
    for spec in schema.attributes where values[spec.name] == nil {
      if case .value(let v) = spec.defaultValue { values[spec.name] = v }
    }
    self.init(values: values, spans: [:])
  }

  public func has(_ name: String) -> Bool {
    if case .null = values[name] ?? .null { return false }
    return true
  }

  public func int(_ name: String) -> Int {
    switch values[name] {
    case .int(let v): v
    case .float(let v): Int(v)
    default: preconditionFailure("attribute \(name) is not an integer")
    }
  }

  public func float(_ name: String) -> Double {
    switch values[name] {
    case .int(let v): Double(v)
    case .float(let v): v
    default: preconditionFailure("attribute \(name) is not a number")
    }
  }

  public func bool(_ name: String) -> Bool {
    guard case .bool(let b) = values[name] else { preconditionFailure("\(name) not bool") }
    return b
  }

  public func string(_ name: String) -> String? {
    guard case .string(let s) = values[name] else { return nil }
    return s
  }

  /// An `int | [h, w]` attribute as a pair.
  public func pair(_ name: String) -> (Int, Int) {
    switch values[name] {
    case .int(let v): return (v, v)
    case .list(let l): return (l[0].intValue!, l[1].intValue!)
    default: preconditionFailure("attribute \(name) is not a pair")
    }
  }

  /// A list-of-integers attribute.
  public func ints(_ name: String) -> [Int] {
    guard case .list(let l) = values[name] else { return [] }
    return l.compactMap(\.intValue)
  }

  /// A list attribute's raw items (for shapes mixing integers and symbols).
  public func list(_ name: String) -> [SpecValue] {
    guard case .list(let l) = values[name] else { return [] }
    return l
  }
}

/// Padding of a 2-D window op.
public enum Padding: Sendable, Hashable {
  case explicit(Int, Int)
  case same
}

extension Attributes {
  public func padding(_ name: String = "padding") -> Padding {
    switch values[name] {
    case .string("same"): return .same
    case .string("valid"): return .explicit(0, 0)
    default:
      let (h, w) = pair(name)
      return .explicit(h, w)
    }
  }
}
