/// Turns names from a spec into Swift identifiers and comment text that no
/// spec content can break out of.
enum SwiftNames {
  /// Swift's reserved words (and contextual ones that would confuse readers),
  /// which get a trailing underscore.
  static let reserved: Set<String> = [
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
    "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static",
    "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do", "else",
    "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while", "Any", "as",
    "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "async", "some", "any", "Type",
    "Protocol", "consume", "copy", "discard", "borrowing", "consuming", "actor", "macro", "package",
  ]

  /// A lowerCamelCase identifier for `name`: ASCII letters and digits kept,
  /// everything else a word break; a leading digit or an empty result gets a
  /// prefix; reserved words get a trailing underscore.
  ///
  /// `conv1` → `conv1`, `fc-2.weight` → `fc2Weight`, `"; exit(1)` → `exit1`.
  static func identifier(_ name: String, upperFirst: Bool = false) -> String {
    var words: [String] = []
    var current = ""
    for scalar in name.unicodeScalars {
      if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
        current.unicodeScalars.append(scalar)
      } else if !current.isEmpty {
        words.append(current)
        current = ""
      }
    }
    if !current.isEmpty { words.append(current) }
    var result = ""
    for (i, word) in words.enumerated() {
      if i == 0 && !upperFirst {
        result += word.prefix(1).lowercased() + word.dropFirst()
      } else {
        result += word.prefix(1).uppercased() + word.dropFirst()
      }
    }
    if result.isEmpty { result = upperFirst ? "Model" : "value" }
    if result.first!.isNumber { result = (upperFirst ? "Model" : "v") + result }
    if result.count > 64 { result = String(result.prefix(64)) }
    return reserved.contains(result) ? result + "_" : result
  }

  /// Text safe inside a `//` comment: one line, printable ASCII (others as
  /// `?`), at most `limit` characters.
  static func comment(_ text: String, limit: Int = 120) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      if out.count >= limit {
        out += "..."
        break
      }
      out += (scalar.value >= 0x20 && scalar.value < 0x7F) ? String(scalar) : "?"
    }
    return out
  }

  /// A Swift string literal for `text` (escaped: quotes, backslashes, control
  /// characters and non-ASCII as `\u{...}`).
  static func stringLiteral(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value >= 0x20 && scalar.value < 0x7F {
          out.unicodeScalars.append(scalar)
        } else {
          out += "\\u{\(String(scalar.value, radix: 16))}"
        }
      }
    }
    return out + "\""
  }
}

/// Hands out identifiers that are unique within one scope.
struct IdentifierScope {
  private var used: Set<String>

  init(reserving names: Set<String> = []) { used = names }

  /// A unique identifier for `name` (`conv1`, then `conv1_2`, ...).
  mutating func unique(_ name: String, upperFirst: Bool = false) -> String {
    let base = SwiftNames.identifier(name, upperFirst: upperFirst)
    var candidate = base
    var n = 2
    while used.contains(candidate) {
      candidate = "\(base)_\(n)"
      n += 1
    }
    used.insert(candidate)
    return candidate
  }
}
