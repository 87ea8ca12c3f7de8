/// Renders diagnostics for people, in the style of rustc: a first line that editors
/// and CI annotators parse, the source lines with the spans underlined, then
/// `help:` and `note:` lines.
///
/// ```text
/// specs/bad.yaml:12:5: error[NS0206]: unknown op `conv2`
///    |
///  8 |   - dense: 10
///    |     ----- the previous layer
/// ...
/// 12 |   - conv2: {filters: 6, kernel: 5}
///    |     ^^^^^ not a known op
///    = help: did you mean `conv2d`?
/// ```
///
/// - The first line is exactly `path:line:column: severity[CODE]: message`, or
///   `path: severity[CODE]: message` (`severity[CODE]: message` without a path)
///   for a diagnostic without a span.
/// - The primary span is underlined with `^`, secondary labels with `-`, all in
///   source order; a zero-width span gets one caret. A span over several lines is
///   underlined to the end of its first line and its label says where it ends.
/// - Between two annotated lines, one skipped line is printed and more become `...`.
///   A label in another file starts a section headed `--> path:line:column`.
/// - Tabs are expanded to four spaces and wide characters counted as two cells, so
///   underlines align; control characters are shown as U+FFFD. A line longer
///   than 160 columns is cut to 160 around its spans, with `…` for the rest,
///   and a message, help or note longer than 400 characters keeps its ends.
/// - Colour (ANSI) only when `colored` is true.
public struct HumanRenderer: DiagnosticRenderer {
  /// Whether the output uses ANSI colour: pass `isatty` of the output stream.
  public var colored: Bool

  /// Creates a renderer.
  ///
  /// ```swift
  /// let renderer = HumanRenderer(colored: isatty(STDERR_FILENO) != 0)
  /// ```
  ///
  /// - Parameter colored: Whether to use ANSI colour; false by default.
  public init(colored: Bool = false) {
    self.colored = colored
  }

  /// Renders each diagnostic as a block of lines; blocks are separated by an empty line.
  ///
  /// - Parameter diagnostics: The diagnostics to render, usually ``DiagnosticBag/sorted``.
  public func render(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map { render($0).joined(separator: "\n") + "\n" }.joined(separator: "\n")
  }

  /// The closing line of a run, e.g. `error: 2 errors, 1 warning in 3 files`, named
  /// for the most severe diagnostic; nil when there are no diagnostics. No newline.
  ///
  /// ```swift
  /// if let line = renderer.summary(of: bag.diagnostics) { print(line) }
  /// ```
  ///
  /// - Parameter diagnostics: Every diagnostic of the run.
  public func summary(of diagnostics: [Diagnostic]) -> String? {
    let counts = DiagnosticSummary(diagnostics)
    guard let worst = diagnostics.map(\.severity).max() else { return nil }
    let parts = [(counts.errors, "error"), (counts.warnings, "warning"), (counts.notes, "note")]
      .filter { $0.0 > 0 }
      .map { Self.counted($0.0, $0.1) }
    let files = counts.files > 0 ? " in " + Self.counted(counts.files, "file") : ""
    return paint(worst.rawValue, TerminalStyle(worst)) + ": "
      + parts.joined(separator: ", ") + files
  }

  private static func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
  }

  private func paint(_ text: String, _ style: TerminalStyle) -> String {
    style.apply(text, enabled: colored)
  }

  // MARK: - One diagnostic

  /// A span to underline, with its label.
  private struct Annotation {
    var span: SourceSpan
    var label: String?
    var isPrimary: Bool
  }

  private func render(_ diagnostic: Diagnostic) -> [String] {
    var lines = [header(diagnostic)]
    var gutterWidth = 1
    if let span = diagnostic.span {
      let annotations =
        [Annotation(span: span, label: diagnostic.primaryLabel, isPrimary: true)]
        + diagnostic.labels.map { Annotation(span: $0.span, label: $0.message, isPrimary: false) }
      gutterWidth = String(annotations.map(\.span.start.line).max()!).count
      lines += snippet(annotations, severity: diagnostic.severity, gutterWidth: gutterWidth)
    }
    for help in diagnostic.helps {
      lines += footer("help", help, gutterWidth: gutterWidth)
    }
    for note in diagnostic.notes {
      lines += footer("note", note, gutterWidth: gutterWidth)
    }
    return lines
  }

  /// `path:line:column: severity[CODE]: message`.
  private func header(_ diagnostic: Diagnostic) -> String {
    let location: String? =
      if let span = diagnostic.span {
        "\(span.file.path):\(span.start.line):\(span.start.column)"
      } else {
        diagnostic.path
      }
    let kind = "\(diagnostic.severity.rawValue)[\(diagnostic.code.id)]"
    let prefix = location.map { paint($0.singleLineForTerminal + ":", .bold) + " " } ?? ""
    return prefix + paint(kind, TerminalStyle(diagnostic.severity))
      + paint(": " + Self.shortened(diagnostic.message).singleLineForTerminal, .bold)
  }

  /// Longest message shown; a message that quotes a huge name from the spec
  /// keeps its start and end around a `…`.
  static let maxMessageCharacters = 400

  static func shortened(_ text: String) -> String {
    guard text.count > maxMessageCharacters else { return text }
    let half = maxMessageCharacters / 2
    return text.prefix(half) + "…" + text.suffix(half)
  }

  /// `= help: text`, with the text's further lines aligned under its first.
  private func footer(_ kind: String, _ text: String, gutterWidth: Int) -> [String] {
    let lead = String(repeating: " ", count: gutterWidth + 1) + "= "
    let indent = String(repeating: " ", count: lead.count + kind.count + 2)
    return Self.shortened(text).linesForTerminal.enumerated().map { index, line in
      index == 0
        ? paint(lead, .gutter) + paint(kind, .help) + ": " + line
        : (line.isEmpty ? "" : indent + line)
    }
  }

  // MARK: - Source snippets

  /// The source lines of every annotated line, file by file (the primary span's
  /// file first, then others in the order their labels appear).
  private func snippet(_ annotations: [Annotation], severity: Severity, gutterWidth: Int)
    -> [String]
  {
    var files: [(file: SourceFile, annotations: [Annotation])] = []
    for annotation in annotations {
      if let index = files.firstIndex(where: { $0.file === annotation.span.file }) {
        files[index].annotations.append(annotation)
      } else {
        files.append((annotation.span.file, [annotation]))
      }
    }
    let pad = String(repeating: " ", count: gutterWidth)
    var lines: [String] = []
    for (index, group) in files.enumerated() {
      let sorted = group.annotations.sorted {
        ($0.span.start.offset, $0.isPrimary ? 0 : 1) < ($1.span.start.offset, $1.isPrimary ? 0 : 1)
      }
      if index > 0 {
        let first = sorted[0].span
        lines.append(paint(pad + " |", .gutter))
        lines.append(
          paint(pad + "--> ", .gutter)
            + "\(group.file.path):\(first.start.line):\(first.start.column)".singleLineForTerminal)
      }
      lines.append(paint(pad + " |", .gutter))
      var previous: Int?
      for number in Set(sorted.map(\.span.start.line)).sorted() {
        if let previous, number - previous == 2 {
          lines.append(
            sourceLine(DisplayLine(group.file, line: previous + 1), previous + 1, gutterWidth))
        } else if let previous, number - previous > 2 {
          lines.append(paint("...", .gutter))
        }
        let here = sorted.filter { $0.span.start.line == number }
        let focus =
          here.map(\.span.start.column).min()!...here.map {
            $0.span.end.line == number ? $0.span.end.column : $0.span.start.column
          }.max()!
        let line = DisplayLine(group.file, line: number, focus: focus)
        lines.append(sourceLine(line, number, gutterWidth))
        for annotation in sorted where annotation.span.start.line == number {
          lines.append(underline(annotation, in: line, severity: severity, pad: pad))
        }
        previous = number
      }
    }
    return lines
  }

  /// `12 |   - conv2: ...`, without trailing space for an empty line.
  private func sourceLine(_ line: DisplayLine, _ number: Int, _ gutterWidth: Int) -> String {
    let label = String(number)
    let gutter = String(repeating: " ", count: gutterWidth - label.count) + label + " |"
    return paint(gutter, .gutter) + (line.text.isEmpty ? "" : " " + line.text)
  }

  /// The `^^^^^ label` (or `----- label`) line under an annotation's first line.
  private func underline(
    _ annotation: Annotation, in line: DisplayLine, severity: Severity, pad: String
  ) -> String {
    let span = annotation.span
    let start = line.position(ofColumn: span.start.column)
    let end =
      span.end.line == span.start.line ? line.position(ofColumn: span.end.column) : line.width
    let marks = String(
      repeating: annotation.isPrimary ? "^" : "-", count: max(1, end - start))
    var label = annotation.label?.singleLineForTerminal ?? ""
    if span.isMultiline {
      label += (label.isEmpty ? "" : " ") + "(continues to line \(span.lastLine))"
    }
    let style = annotation.isPrimary ? TerminalStyle(severity) : .secondary
    return paint(pad + " |", .gutter) + " " + String(repeating: " ", count: start)
      + paint(marks + (label.isEmpty ? "" : " " + label), style)
  }
}
