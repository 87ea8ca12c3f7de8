/// The ANSI styles of human-readable output, applied only when colour is on.
enum TerminalStyle {
  case bold
  case error
  case warning
  case note
  case help
  case gutter
  case secondary

  /// The style for a severity's name and its primary underline.
  init(_ severity: Severity) {
    switch severity {
    case .error: self = .error
    case .warning: self = .warning
    case .note: self = .note
    }
  }

  /// The SGR parameters of the style.
  private var code: String {
    switch self {
    case .bold: "1"
    case .error: "1;31"
    case .warning: "1;33"
    case .note, .help: "1;36"
    case .gutter, .secondary: "1;34"
    }
  }

  /// `text` wrapped in the style's escape sequences, or unchanged when `enabled`
  /// is false or the text is empty.
  func apply(_ text: String, enabled: Bool) -> String {
    guard enabled, !text.isEmpty else { return text }
    return "\u{1B}[\(code)m\(text)\u{1B}[0m"
  }
}
