extension SourceSpan {
  /// The last line holding part of the span. A span that ends at column 1 of a
  /// later line (it includes the previous line's newline) ends on the line before.
  var lastLine: Int {
    end.line > start.line && end.column == 1 ? end.line - 1 : end.line
  }

  /// Whether the span covers text on more than one line.
  var isMultiline: Bool { lastLine > start.line }
}
