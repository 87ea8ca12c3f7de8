/// Renders diagnostics as GitHub Actions workflow commands, which the runner turns
/// into annotations on the pull request's diff (`netspec check --format github`).
///
/// ```text
/// ::error file=specs/bad.yaml,line=12,col=5,endLine=12,endColumn=9,title=NS0206 unknown-op::unknown op `conv2`%0Ahelp: did you mean `conv2d`?
/// ```
///
/// - One line per diagnostic: `::error`, `::warning` or `::notice` (for notes).
/// - `line`/`endLine` are the span's first and last lines; `col`/`endColumn` its
///   first and last columns (inclusive, counted in Unicode scalars), given only for a
///   span on one line, as GitHub requires. Without a span only `file` is given.
/// - `title` is the code and its name.
/// - The message is followed, on further lines, by the labels as
///   `path:line:column: text`, then `help: ...` and `note: ...` lines.
/// - Properties escape `%`, CR, LF, `:` and `,`; the message escapes `%`, CR and LF.
public struct GitHubRenderer: DiagnosticRenderer {
  /// Creates a renderer.
  public init() {}

  /// Renders one workflow command per line.
  ///
  /// - Parameter diagnostics: The diagnostics to render, usually ``DiagnosticBag/sorted``.
  public func render(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map { Self.command($0) + "\n" }.joined()
  }

  private static func command(_ diagnostic: Diagnostic) -> String {
    let name =
      switch diagnostic.severity {
      case .error: "error"
      case .warning: "warning"
      case .note: "notice"
      }
    var properties: [(String, String)] = []
    if let path = diagnostic.span?.file.path ?? diagnostic.path {
      properties.append(("file", path))
    }
    if let span = diagnostic.span {
      properties.append(("line", String(span.start.line)))
      if span.isMultiline {
        properties.append(("endLine", String(span.lastLine)))
      } else {
        properties += [
          ("col", String(span.start.column)),
          ("endLine", String(span.start.line)),
          ("endColumn", String(lastColumn(of: span))),
        ]
      }
    }
    properties.append(("title", "\(diagnostic.code.id) \(diagnostic.code.name)"))
    let list = properties.map { "\($0.0)=\(escape($0.1, property: true))" }.joined(separator: ",")
    return "::\(name) \(list)::\(escape(message(diagnostic), property: false))"
  }

  /// The column of the span's last character before the end of its line (its start
  /// column when it is empty).
  private static func lastColumn(of span: SourceSpan) -> Int {
    // A span ending on a later line runs up to and including its line's newline.
    let end =
      span.end.line == span.start.line
      ? span.end.column : span.file.location(ofOffset: span.end.offset - 1).column
    return max(span.start.column, end - 1)
  }

  /// The annotation's text: the message, then labels, helps and notes, one per line.
  private static func message(_ diagnostic: Diagnostic) -> String {
    var lines = [diagnostic.message]
    if let span = diagnostic.span, let label = diagnostic.primaryLabel {
      lines.append("\(span): \(label)")
    }
    lines += diagnostic.labels.map { "\($0.span): \($0.message)" }
    lines += diagnostic.helps.map { "help: \($0)" }
    lines += diagnostic.notes.map { "note: \($0)" }
    return lines.joined(separator: "\n")
  }

  /// Escapes text for a workflow command: `%`, CR and LF always, and `:` and `,`
  /// too in a property value.
  private static func escape(_ text: String, property: Bool) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "%": out += "%25"
      case "\r": out += "%0D"
      case "\n": out += "%0A"
      case ":" where property: out += "%3A"
      case "," where property: out += "%2C"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
