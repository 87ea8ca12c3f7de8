/// When human-readable output uses ANSI colour: the value of `--color`.
///
/// `auto` follows the conventions terminal tools share: colour only on a
/// terminal, and never when `NO_COLOR` is set to a non-empty value
/// (<https://no-color.org>) or `TERM` is `dumb`. `always` and `never` are the
/// user's explicit choice and override the environment.
///
/// ```swift
/// let colored = ColorChoice.auto.isEnabled(
///   environment: ProcessInfo.processInfo.environment, isTerminal: isatty(STDERR_FILENO) != 0)
/// ```
public enum ColorChoice: String, CaseIterable, Sendable {
  /// Colour on a terminal unless the environment asks for none.
  case auto
  /// Colour even into a pipe or file.
  case always
  /// No colour.
  case never

  /// Whether output to a stream uses colour.
  ///
  /// - Parameters:
  ///   - environment: The process environment (`NO_COLOR` and `TERM` are read).
  ///   - isTerminal: Whether the stream is a terminal (`isatty`).
  public func isEnabled(environment: [String: String], isTerminal: Bool) -> Bool {
    switch self {
    case .always: return true
    case .never: return false
    case .auto:
      if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
      if environment["TERM"] == "dumb" { return false }
      return isTerminal
    }
  }
}
