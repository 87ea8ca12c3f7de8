/// A JSON value for NetSpec's machine-readable outputs (`netspec summary
/// --format json`, `netspec schema`). Objects serialize with their keys sorted,
/// so the output is byte-for-byte stable whatever order they were built in.
///
/// ```swift
/// let doc: JSONTree = .object(["b": .int(2), "a": .array([.bool(true), .null])])
/// doc.serialized   // {"a": [true, null], "b": 2}, pretty-printed with keys sorted
/// ```
public enum JSONTree: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONTree])
  case object([String: JSONTree])

  /// `.string(text)`, or `.null` when `text` is nil.
  public static func nullable(_ text: String?) -> JSONTree {
    text.map { .string($0) } ?? .null
  }

  /// Strings as a JSON array of strings.
  public static func strings(_ texts: [String]) -> JSONTree {
    .array(texts.map { .string($0) })
  }

  /// The value as pretty-printed JSON (two-space indent, keys sorted, arrays of
  /// scalars on one line), ending with a newline.
  public var serialized: String {
    var out = ""
    write(to: &out, indent: "")
    return out + "\n"
  }

  private func write(to out: inout String, indent: String) {
    let inner = indent + "  "
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value): out += Self.number(value)
    case .string(let value): Self.writeString(value, to: &out)
    case .array(let elements):
      guard !elements.isEmpty else {
        out += "[]"
        return
      }
      if elements.allSatisfy(\.isScalar) {
        var items: [String] = []
        for element in elements {
          var item = ""
          element.write(to: &item, indent: inner)
          items.append(item)
        }
        out += "[" + items.joined(separator: ", ") + "]"
        return
      }
      out += "[\n"
      for (index, element) in elements.enumerated() {
        out += inner
        element.write(to: &out, indent: inner)
        out += index == elements.count - 1 ? "\n" : ",\n"
      }
      out += indent + "]"
    case .object(let members):
      guard !members.isEmpty else {
        out += "{}"
        return
      }
      out += "{\n"
      for (index, key) in members.keys.sorted().enumerated() {
        out += inner
        Self.writeString(key, to: &out)
        out += ": "
        members[key]!.write(to: &out, indent: inner)
        out += index == members.count - 1 ? "\n" : ",\n"
      }
      out += indent + "}"
    }
  }

  /// True for null, booleans, numbers and strings.
  private var isScalar: Bool {
    switch self {
    case .array, .object: false
    default: true
    }
  }

  /// Integral doubles print without a fraction (`3`), others in Swift's
  /// shortest round-trip form (`0.001`, `1e-05`), both valid JSON numbers.
  /// Non-finite values have no JSON form and print as `null`.
  private static func number(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    if value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
    return String(value)
  }

  /// A JSON string literal (RFC 8259): quotes, backslashes and control
  /// characters escaped.
  private static func writeString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}
