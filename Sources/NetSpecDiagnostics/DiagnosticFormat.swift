/// The output formats of `netspec check --format`.
///
/// ```swift
/// let format = DiagnosticFormat(rawValue: "github") ?? .text
/// print(format.renderer(colored: false).render(diagnostics), terminator: "")
/// ```
public enum DiagnosticFormat: String, CaseIterable, Sendable {
  /// Human-readable, rustc-like text (``HumanRenderer``).
  case text
  /// The stable JSON document described at ``JSONRenderer``.
  case json
  /// GitHub Actions workflow commands (``GitHubRenderer``).
  case github
  /// A SARIF 2.1.0 log (``SARIFRenderer``).
  case sarif

  /// The renderer for this format.
  ///
  /// - Parameter colored: Whether text output uses ANSI colour; other formats ignore it.
  public func renderer(colored: Bool = false) -> any DiagnosticRenderer {
    switch self {
    case .text: HumanRenderer(colored: colored)
    case .json: JSONRenderer()
    case .github: GitHubRenderer()
    case .sarif: SARIFRenderer()
    }
  }
}
