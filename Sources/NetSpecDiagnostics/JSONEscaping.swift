/// How a JSON string literal (RFC 8259) escapes characters. Every style
/// escapes `"` and `\` with a backslash, writes newline, return and tab as
/// `\n`, `\r`, `\t`, and the other control characters (U+0000 to U+001F) as
/// `\u00XX`; nothing else is escaped: `/`, DEL, U+2028, U+2029 and all other
/// non-ASCII characters are written as they are. The styles differ only in
/// backspace and form feed and in the case of hex digits; each is kept
/// because an output's exact bytes depend on it.
public struct JSONEscaping: Sendable, Equatable {
  /// Whether backspace and form feed are written `\b` and `\f` rather than
  /// `\u0008` and `\u000C`.
  public var backspaceAndFormFeedByLetter: Bool
  /// Whether `\u00XX` escapes use lowercase hex digits (`\u001b`) rather than
  /// uppercase ones (`\u001B`).
  public var lowercaseHex: Bool

  /// Creates an escaping style.
  public init(backspaceAndFormFeedByLetter: Bool, lowercaseHex: Bool) {
    self.backspaceAndFormFeedByLetter = backspaceAndFormFeedByLetter
    self.lowercaseHex = lowercaseHex
  }

  /// `\b` and `\f` by letter, uppercase hex: the diagnostic renderers.
  public static let standard = JSONEscaping(backspaceAndFormFeedByLetter: true, lowercaseHex: false)

  /// `\u0008` and `\u000C` for backspace and form feed, uppercase hex:
  /// summary and schema output.
  public static let whitespaceByLetter = JSONEscaping(backspaceAndFormFeedByLetter: false, lowercaseHex: false)

  /// As serde_json writes (the safetensors reference writer): `\b` and `\f`
  /// by letter, lowercase hex.
  public static let serdeJSON = JSONEscaping(backspaceAndFormFeedByLetter: true, lowercaseHex: true)

  /// `text` as a JSON string literal, quotes included.
  public func quoted(_ text: String) -> String {
    var out = ""
    write(text, to: &out)
    return out
  }

  /// Appends `text` as a JSON string literal, quotes included.
  func write(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}" where backspaceAndFormFeedByLetter: out += "\\b"
      case "\u{0C}" where backspaceAndFormFeedByLetter: out += "\\f"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16, uppercase: !lowercaseHex)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}
