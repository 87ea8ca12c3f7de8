/// A JSON value, for NetSpec's machine-readable outputs (diagnostics as JSON
/// and SARIF, `netspec summary --format json`, `netspec schema`, safetensors
/// headers, metrics logs) and for the JSON that NetSpec reads back. Objects
/// hold their members in order; ``serialized(_:)`` writes them in that order
/// or sorted by key, as its ``JSONFormat`` says, so the output is
/// byte-for-byte stable without Foundation.
///
/// ```swift
/// let doc: JSONValue = .object(["b": .int(2), "a": .array([.bool(true), .null])])
/// doc.serialized(.prettySorted)  // {"a": [true, null], "b": 2}, one member a line
/// ```
public enum JSONValue: Sendable, Equatable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// An integer.
  case int(Int)
  /// A number with a fraction or exponent; see ``JSONFormat/integralDoublesAsIntegers``.
  case double(Double)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object: its members in order, keys unique.
  case object([(key: String, value: JSONValue)])

  /// An object with the members of `members`, sorted by key (a dictionary has
  /// no order of its own).
  public static func object(_ members: [String: JSONValue]) -> JSONValue {
    .object(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
  }

  /// `.string(text)`, or `.null` when `text` is nil.
  public static func nullable(_ text: String?) -> JSONValue {
    text.map { .string($0) } ?? .null
  }

  /// Strings as a JSON array of strings.
  public static func strings(_ texts: [String]) -> JSONValue {
    .array(texts.map { .string($0) })
  }

  /// The value of an object's member `key`; nil when the object has no such
  /// member or this is not an object.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  /// Whether two values are equal. Objects are equal when they have the same
  /// members, in whatever order (JSON objects are unordered); doubles compare
  /// as `Double` does (`-0.0 == 0.0`, NaN equals nothing); an int never
  /// equals a double.
  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): true
    case (.bool(let a), .bool(let b)): a == b
    case (.int(let a), .int(let b)): a == b
    case (.double(let a), .double(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)):
      a.sorted { $0.key < $1.key }.elementsEqual(b.sorted { $0.key < $1.key }) {
        $0.key == $1.key && $0.value == $1.value
      }
    default: false
    }
  }
}
