import NetSpecDiagnostics

/// Parses a spec file's YAML into a located node tree.
///
/// ```swift
/// switch YAMLParser.parse(file) {
/// case .success(let root): ...            // root.span, entries' key spans, ...
/// case .failure(let error): ...           // error.diagnostics, in the order found
/// }
/// ```
///
/// The file must hold exactly one YAML document of UTF-8 text. Aliases are
/// expanded and `<<` merge keys applied, so the tree has no references. Anything
/// wrong — a syntax error, a duplicate key, an undefined alias, a tag, input past
/// one of the ``YAMLLimits`` — makes the result a failure carrying every
/// diagnostic found before parsing had to stop (libyaml stops at its first syntax
/// error; a limit stops at once; the others are all collected).
public enum YAMLParser {
  /// Parses `file`. Never traps and returns in bounded time for any input
  /// within `limits.maxFileBytes`; larger files are rejected unread.
  public static func parse(
    _ file: SourceFile, limits: YAMLLimits = .default
  ) -> Result<YAMLNode, DiagnosticError> {
    let bytes = file.bytes
    guard bytes.count <= limits.maxFileBytes else {
      return .failure(DiagnosticError(YAMLLimits.tooLarge(file, size: bytes.count, limit: limits.maxFileBytes)))
    }
    if let diagnostic = EncodingCheck.diagnose(file) {
      return .failure(DiagnosticError(diagnostic))
    }

    // libyaml would read a UTF-8 byte order mark fine, but only when it detects
    // the encoding itself; strip the mark so positions stay simple.
    let origin = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    var reader = LibYAMLEventReader(bytes: bytes, origin: origin)
    var composer = Composer(file: file, limits: limits)
    events: while true {
      let event: YAMLEvent
      do {
        event = try reader.next()
      } catch {
        composer.record(error.diagnostic(in: file))
        break events
      }
      do {
        guard try composer.consume(event) else { break events }
      } catch {
        break events  // the composer has recorded why
      }
    }
    return composer.finish()
  }
}
