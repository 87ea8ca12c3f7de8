/// Compact JSON text, written piece by piece for formats whose exact bytes
/// matter (safetensors headers, metrics log lines).
enum JSONText {
  /// A JSON string literal escaped as serde_json does (the safetensors
  /// reference writer): `"` and `\` escaped, `\b \f \n \r \t` by letter, other
  /// control characters as lowercase `\u00xx`, everything else as is.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// A number in Swift's shortest round-trip form (`0.001`, `1e-05`, `42.0`),
  /// which is valid JSON; `null` for NaN and infinities, which JSON cannot hold.
  static func number(_ value: Double) -> String {
    value.isFinite ? String(value) : "null"
  }

  /// A compact object with members in the order given.
  static func object(_ members: [(key: String, value: String)]) -> String {
    "{" + members.map { quoted($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
  }
}
