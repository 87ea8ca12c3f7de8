/// Counts of diagnostics by severity, and of the files they point into.
///
/// ```swift
/// let summary = DiagnosticSummary(bag.diagnostics)
/// exit(summary.errors > 0 ? 1 : 0)
/// ```
public struct DiagnosticSummary: Hashable, Sendable {
  public var errors: Int
  public var warnings: Int
  public var notes: Int
  /// Distinct files named by the diagnostics (primary span, or `path` when there is
  /// no span); secondary labels do not count.
  public var files: Int

  /// Counts `diagnostics`.
  ///
  /// - Parameter diagnostics: The diagnostics of a run, in any order.
  public init(_ diagnostics: [Diagnostic]) {
    errors = diagnostics.count { $0.severity == .error }
    warnings = diagnostics.count { $0.severity == .warning }
    notes = diagnostics.count { $0.severity == .note }
    files = Set(diagnostics.compactMap { $0.span?.file.path ?? $0.path }).count
  }

  /// The number of diagnostics of every severity.
  public var total: Int { errors + warnings + notes }
}
