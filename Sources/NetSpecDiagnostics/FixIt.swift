/// An edit that fixes a diagnostic and a tool can apply without asking:
/// replace the text of ``span`` with ``replacement`` (an empty replacement
/// deletes it, an empty span inserts).
///
/// ```swift
/// Diagnostic(.biasBeforeBatchNorm, at: span, "...")
///   .fix(FixIt("set `bias: false`", replacing: valueSpan, with: "false"))
/// ```
public struct FixIt: Hashable, Sendable {
  /// What the edit does, e.g. "remove the `softmax` layer".
  public var message: String
  public var span: SourceSpan
  public var replacement: String

  public init(_ message: String, replacing span: SourceSpan, with replacement: String) {
    self.message = message
    self.span = span
    self.replacement = replacement
  }

  /// The file's text with the fixes applied (fixes must not overlap).
  public static func apply(_ fixes: [FixIt], to file: SourceFile) -> String {
    var bytes = file.bytes
    for fix in fixes.sorted(by: { $0.span.start.offset > $1.span.start.offset }) {
      bytes.replaceSubrange(fix.span.start.offset..<fix.span.end.offset, with: Array(fix.replacement.utf8))
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension Diagnostic {
  /// Adds a fix-it.
  public func fix(_ fix: FixIt?) -> Diagnostic {
    guard let fix else { return self }
    var copy = self
    copy.fixes.append(fix)
    return copy
  }
}
