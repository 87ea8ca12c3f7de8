/// Turns diagnostics into text for one audience: people at a terminal
/// (``HumanRenderer``), programs (``JSONRenderer``), GitHub Actions annotations
/// (``GitHubRenderer``) or code-scanning tools (``SARIFRenderer``).
///
/// ```swift
/// let renderer: any DiagnosticRenderer = HumanRenderer(colored: isatty(2) != 0)
/// FileHandle.standardError.write(renderer.render(bag.sorted))
/// ```
public protocol DiagnosticRenderer: Sendable {
  /// Renders `diagnostics` in the order given; the output ends with a newline
  /// unless it is empty.
  ///
  /// - Parameter diagnostics: The diagnostics to render, usually ``DiagnosticBag/sorted``.
  func render(_ diagnostics: [Diagnostic]) -> String
}
