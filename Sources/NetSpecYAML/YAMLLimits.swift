import NetSpecDiagnostics

/// Bounds that keep hostile or accidental input from exhausting time or memory.
/// Exceeding any of them is a diagnostic, never a crash or a hang.
///
/// The defaults are far above what a real spec needs (a large spec is a few
/// hundred lines) and low enough that parsing the worst input they admit stays
/// well under a second.
public struct YAMLLimits: Sendable {
  /// Largest accepted file, in bytes; checked before parsing (``DiagnosticCode/fileTooLarge``).
  /// Default: 4 MiB.
  public var maxFileBytes: Int
  /// Deepest nesting of lists and mappings, counting the top-level collection
  /// as depth 1, and counting collections that aliases expand to
  /// (``DiagnosticCode/nestingTooDeep``). Default: 64.
  public var maxDepth: Int
  /// Most nodes (scalars, including mapping keys, lists and mappings) in the
  /// document after aliases are expanded. An alias that would exceed it is an
  /// alias bomb (``DiagnosticCode/aliasExpansionLimit``); plain text that exceeds
  /// it is too large (``DiagnosticCode/fileTooLarge``). Default: 100 000.
  public var maxNodes: Int
  /// Longest scalar, in UTF-8 bytes of its value (``DiagnosticCode/scalarTooLong``).
  /// Default: 64 KiB.
  public var maxScalarBytes: Int
  /// Parsing stops after this many diagnostics, so a pathological file cannot
  /// flood the output. Default: 50.
  public var maxDiagnostics: Int

  public init(
    maxFileBytes: Int = 4 << 20,
    maxDepth: Int = 64,
    maxNodes: Int = 100_000,
    maxScalarBytes: Int = 64 << 10,
    maxDiagnostics: Int = 50
  ) {
    self.maxFileBytes = maxFileBytes
    self.maxDepth = maxDepth
    self.maxNodes = maxNodes
    self.maxScalarBytes = maxScalarBytes
    self.maxDiagnostics = maxDiagnostics
  }

  /// The limits described above.
  public static let `default` = YAMLLimits()
}

extension YAMLLimits {
  /// The diagnostic for a file of `size` bytes over the `limit`, at the
  /// character where the limit is passed (`file` holds at least `limit + 1`
  /// bytes, possibly only those).
  public static func tooLarge(_ file: SourceFile, size: Int, limit: Int) -> Diagnostic {
    var start = min(limit, file.bytes.count - 1)
    while start > 0, file.bytes[start] & 0xC0 == 0x80 { start -= 1 }
    return Diagnostic(
      .fileTooLarge, at: SourceSpan(file: file, from: start, to: start + 1),
      "the file is \(size) bytes; the limit is \(limit) bytes, passed here"
    ).help("a spec is a short text file; keep data in separate files")
  }
}
