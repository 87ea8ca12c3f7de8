import NetSpecDiagnostics
import Testing

/// A diagnostic and the exact text ``HumanRenderer`` prints for it.
struct HumanCase: Sendable, CustomTestStringConvertible {
  var name: String
  var diagnostic: Diagnostic
  var expected: String
  var testDescription: String { name }
}

private let multiline = SourceFile(
  path: "specs/multi.yaml",
  text: """
    layers:
      - conv2d:
          filters: 6
          kernel: 5

    """)

private let duplicates = SourceFile(
  path: "specs/dup.yaml",
  text: """
    layers:
      - dense: {units: 10, name: body}
      - relu
      - dense: {units: 20, name: body}
      - relu
      - relu
      - relu
      - add: {from: [body, input]}

    """)

private let net = SourceFile(
  path: "specs/net.yaml",
  text: """
    blocks_from: common.yaml
    layers:
      - basic: {channels: 64, stride: 2}

    """)

private let common = SourceFile(
  path: "blocks/common.yaml",
  text: """
    blocks:
      basic:
        args: {channels: required}

    """)

private let tabs = SourceFile(path: "specs/tabs.yaml", text: "layers:\n\t-\tconv2: 6\n")

private let unicode = SourceFile(
  path: "specs/unicode.yaml",
  text: """
    layers:
      - dense: {name: "größe", units: x}
      - dense: {name: "層", units: q}
      - dense: {name: "e\u{301}", units: z}

    """)

private let long = SourceFile(
  path: "specs/long.yaml",
  text: """
    netspec: 1
    name: long
    inputs:
      x: [N, 4]
    layers:
      - dense: 8
      - relu
      - dense: 8
      - dense: 4
      - softmax: {axis: 2}

    """)

private let add = SourceFile(
  path: "specs/add.yaml", text: "layers:\n  - add: {from: [body, input]}\n")
private let empty = SourceFile(path: "specs/eof.yaml", text: "layers:\n")
private let control = SourceFile(path: "specs/ctl.yaml", text: "name: \"\u{1B}[31mred\"\n")

let humanCases: [HumanCase] = [
  HumanCase(
    name: "single-line span with label and help",
    diagnostic: Diagnostic(.unknownOp, at: span(of: "conv2", in: lenet), "unknown op `conv2`")
      .primaryLabel("not a known op")
      .help("did you mean `conv2d`?"),
    expected: """
      specs/bad.yaml:3:5: error[NS0206]: unknown op `conv2`
        |
      3 |   - conv2: {filters: 6, kernel: 5}
        |     ^^^^^ not a known op
        = help: did you mean `conv2d`?
      """),
  HumanCase(
    name: "zero-width span",
    diagnostic: Diagnostic(
      .missingKey, at: point(before: "layers", in: lenet), "missing key `inputs`"
    )
    .primaryLabel("expected `inputs` before `layers`"),
    expected: """
      specs/bad.yaml:2:1: error[NS0202]: missing key `inputs`
        |
      2 | layers:
        | ^ expected `inputs` before `layers`
      """),
  HumanCase(
    name: "multi-line span",
    diagnostic: Diagnostic(
      .missingAttribute,
      at: span(of: "conv2d", in: multiline).merged(with: span(of: "5", in: multiline)),
      "missing attribute `padding`"
    ).primaryLabel("this op"),
    expected: """
      specs/multi.yaml:2:5: error[NS0208]: missing attribute `padding`
        |
      2 |   - conv2d:
        |     ^^^^^^^ this op (continues to line 4)
      """),
  HumanCase(
    name: "span ending with its line's newline",
    diagnostic: Diagnostic(
      .typeMismatch,
      at: span(of: "conv2d", in: multiline).merged(
        with: point(before: "      filters", in: multiline)),
      "expected a mapping"),
    expected: """
      specs/multi.yaml:2:5: error[NS0203]: expected a mapping
        |
      2 |   - conv2d:
        |     ^^^^^^^
      """),
  HumanCase(
    name: "secondary labels before and after the primary line",
    diagnostic: Diagnostic(
      .duplicateName, at: span(of: "body", in: duplicates, occurrence: 2), "duplicate name `body`"
    )
    .primaryLabel("defined again here")
    .label(span(of: "body", in: duplicates, occurrence: 3), "this reference is ambiguous")
    .label(span(of: "body", in: duplicates, occurrence: 1), "first defined here")
    .help("rename one of the layers"),
    expected: """
      specs/dup.yaml:4:30: error[NS0211]: duplicate name `body`
        |
      2 |   - dense: {units: 10, name: body}
        |                              ---- first defined here
      3 |   - relu
      4 |   - dense: {units: 20, name: body}
        |                              ^^^^ defined again here
      ...
      8 |   - add: {from: [body, input]}
        |                  ---- this reference is ambiguous
        = help: rename one of the layers
      """),
  HumanCase(
    name: "secondary label in another file",
    diagnostic: Diagnostic(
      .unknownArgument, at: span(of: "stride", in: net), "unknown argument `stride`"
    )
    .primaryLabel("not an argument of `basic`")
    .label(span(of: "args", in: common), "`basic` declares its arguments here"),
    expected: """
      specs/net.yaml:3:27: error[NS0214]: unknown argument `stride`
        |
      3 |   - basic: {channels: 64, stride: 2}
        |                           ^^^^^^ not an argument of `basic`
        |
       --> blocks/common.yaml:3:5
        |
      3 |     args: {channels: required}
        |     ---- `basic` declares its arguments here
      """),
  HumanCase(
    name: "tabs in the source line",
    diagnostic: Diagnostic(.unknownOp, at: span(of: "conv2", in: tabs), "unknown op `conv2`"),
    expected: """
      specs/tabs.yaml:2:4: error[NS0206]: unknown op `conv2`
        |
      2 |     -    conv2: 6
        |          ^^^^^
      """),
  HumanCase(
    name: "non-ASCII text before the spans",
    diagnostic: Diagnostic(
      .typeMismatch, at: span(of: "x", in: unicode), "expected an integer, found `x`"
    )
    .primaryLabel("not an integer")
    .label(span(of: "q", in: unicode), "after a wide character")
    .label(span(of: "z", in: unicode), "after a combining accent"),
    expected: """
      specs/unicode.yaml:2:35: error[NS0203]: expected an integer, found `x`
        |
      2 |   - dense: {name: "größe", units: x}
        |                                   ^ not an integer
      3 |   - dense: {name: "層", units: q}
        |                                - after a wide character
      4 |   - dense: {name: "e\u{301}", units: z}
        |                               - after a combining accent
      """),
  HumanCase(
    name: "no span, with a path",
    diagnostic: Diagnostic(.unreadableFile, at: nil, "cannot read file: no such file")
      .inFile("specs/missing.yaml")
      .note("paths are relative to the working directory"),
    expected: """
      specs/missing.yaml: error[NS0001]: cannot read file: no such file
        = note: paths are relative to the working directory
      """),
  HumanCase(
    name: "no span, no path",
    diagnostic: Diagnostic(.badOverride, at: nil, "`--set classes` needs a value")
      .help("write `--set classes=10`"),
    expected: """
      error[NS0003]: `--set classes` needs a value
        = help: write `--set classes=10`
      """),
  HumanCase(
    name: "several helps and notes, one help over two lines",
    diagnostic: Diagnostic(
      .valueOutOfRange, at: span(of: "6", in: lenet), "`filters: 6` is small", severity: .warning
    )
    .help("use more filters")
    .help("for example:\n  filters: 16")
    .note("`filters` is the number of output channels")
    .note("see docs/OPS.md"),
    expected: """
      specs/bad.yaml:3:22: warning[NS0204]: `filters: 6` is small
        |
      3 |   - conv2: {filters: 6, kernel: 5}
        |                      ^
        = help: use more filters
        = help: for example:
                  filters: 16
        = note: `filters` is the number of output channels
        = note: see docs/OPS.md
      """),
  HumanCase(
    name: "line numbers 9 and 10 share a gutter width",
    diagnostic: Diagnostic(
      .valueOutOfRange, at: span(of: "axis", in: long), "axis 2 is out of range for a rank-2 input"
    )
    .primaryLabel("must be 0 or 1")
    .label(span(of: "dense: 4", in: long), "outputs (N, 4)")
    .help("use `axis: 1`"),
    expected: """
      specs/long.yaml:10:15: error[NS0204]: axis 2 is out of range for a rank-2 input
         |
       9 |   - dense: 4
         |     -------- outputs (N, 4)
      10 |   - softmax: {axis: 2}
         |               ^^^^ must be 0 or 1
         = help: use `axis: 1`
      """),
  HumanCase(
    name: "two annotations on one line",
    diagnostic: Diagnostic(
      .shapeMismatch, at: span(of: "input", in: add), "cannot add (N, 64) and (N, 32)"
    )
    .primaryLabel("this is (N, 32)")
    .label(span(of: "body", in: add), "this is (N, 64)"),
    expected: """
      specs/add.yaml:2:24: error[NS0301]: cannot add (N, 64) and (N, 32)
        |
      2 |   - add: {from: [body, input]}
        |                  ---- this is (N, 64)
        |                        ^^^^^ this is (N, 32)
      """),
  HumanCase(
    name: "zero-width span at the end of the file",
    diagnostic: Diagnostic(
      .layerCount, at: SourceSpan(file: empty, from: 8, to: 8), "the spec defines no layers"
    )
    .primaryLabel("add a layer here"),
    expected: """
      specs/eof.yaml:2:1: error[NS0218]: the spec defines no layers
        |
      2 |
        | ^ add a layer here
      """),
  HumanCase(
    name: "control characters never reach the terminal",
    diagnostic: Diagnostic(.unknownKey, at: span(of: "red", in: control), "bad\nname \u{1B}[0m")
      .primaryLabel("here\tnow"),
    expected: """
      specs/ctl.yaml:1:13: error[NS0201]: bad\u{FFFD}name \u{FFFD}[0m
        |
      1 | name: "\u{FFFD}[31mred"
        |             ^^^ here now
      """),
]

@Suite("HumanRenderer")
struct HumanRendererTests {
  @Test(arguments: humanCases)
  func rendersGolden(_ test: HumanCase) {
    #expect(HumanRenderer().render([test.diagnostic]) == test.expected + "\n")
  }

  @Test func separatesDiagnosticsWithAnEmptyLineInTheGivenOrder() {
    let first = Diagnostic(.badOverride, at: nil, "first")
    let second = Diagnostic(.unusedValue, at: span(of: "dense", in: lenet), "second")
    #expect(
      HumanRenderer().render([second, first]) == """
        specs/bad.yaml:4:5: warning[NS0503]: second
          |
        4 |   - dense: 10
          |     ^^^^^

        error[NS0003]: first

        """)
  }

  @Test func rendersNothingForNoDiagnostics() {
    #expect(HumanRenderer().render([]) == "")
  }

  @Test func colourIsOnlyAddedWhenRequested() {
    let diagnostic = humanCases[0].diagnostic
    let plain = HumanRenderer().render([diagnostic])
    let colored = HumanRenderer(colored: true).render([diagnostic])
    #expect(!plain.contains("\u{1B}"))
    #expect(colored.contains("\u{1B}[1;31merror[NS0206]\u{1B}[0m"))
    #expect(colored.contains("\u{1B}[1;31m^^^^^ not a known op\u{1B}[0m"))
    #expect(colored.contains("\u{1B}[1;36mhelp\u{1B}[0m"))
    #expect(strippingEscapes(colored) == plain)
  }

  @Test func colourOfSecondaryLabelsAndWarnings() {
    let colored = HumanRenderer(colored: true).render([humanCases[11].diagnostic])
    #expect(colored.contains("\u{1B}[1;34m-------- outputs (N, 4)\u{1B}[0m"))
    let warning = HumanRenderer(colored: true).render([humanCases[10].diagnostic])
    #expect(warning.contains("\u{1B}[1;33mwarning[NS0204]\u{1B}[0m"))
  }

  private func strippingEscapes(_ text: String) -> String {
    var out = ""
    var inEscape = false
    for scalar in text.unicodeScalars {
      if scalar == "\u{1B}" {
        inEscape = true
      } else if inEscape {
        if scalar == "m" { inEscape = false }
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}

/// Diagnostics and the summary line they give.
struct SummaryCase: Sendable, CustomTestStringConvertible {
  var diagnostics: [Diagnostic]
  var expected: String?
  var testDescription: String { expected ?? "nil" }
}

let summaryCases: [SummaryCase] = [
  SummaryCase(diagnostics: [], expected: nil),
  SummaryCase(
    diagnostics: [
      Diagnostic(.unknownOp, at: span(of: "conv2", in: lenet), "a"),
      Diagnostic(.unknownOp, at: span(of: "body", in: add), "b"),
      Diagnostic(.unusedValue, at: span(of: "x", in: unicode), "c"),
      Diagnostic(.unusedValue, at: span(of: "q", in: unicode), "d", severity: .error),
    ],
    expected: "error: 3 errors, 1 warning in 3 files"),
  SummaryCase(
    diagnostics: [Diagnostic(.unusedValue, at: span(of: "dense", in: lenet), "a")],
    expected: "warning: 1 warning in 1 file"),
  SummaryCase(
    diagnostics: [
      Diagnostic(.badOverride, at: nil, "a"),
      Diagnostic(.unusedValue, at: nil, "b", severity: .note).inFile("x.yaml"),
    ],
    expected: "error: 1 error, 1 note in 1 file"),
  SummaryCase(diagnostics: [Diagnostic(.badOverride, at: nil, "a")], expected: "error: 1 error"),
]

@Suite("Summary line")
struct SummaryLineTests {
  @Test(arguments: summaryCases)
  func summarizes(_ test: SummaryCase) {
    #expect(HumanRenderer().summary(of: test.diagnostics) == test.expected)
  }

  @Test func colorsTheSeverity() {
    let line = HumanRenderer(colored: true).summary(of: summaryCases[1].diagnostics)
    #expect(line == "\u{1B}[1;31merror\u{1B}[0m: 3 errors, 1 warning in 3 files")
  }

  @Test func countsBySeverityAndFile() {
    let summary = DiagnosticSummary(summaryCases[1].diagnostics)
    #expect(summary == DiagnosticSummary(summaryCases[1].diagnostics))
    #expect((summary.errors, summary.warnings, summary.notes, summary.files) == (3, 1, 0, 3))
    #expect(summary.total == 4)
  }
}

/// A multi-megabyte line is shown as a window around the span, so the carets
/// still point at the text they mark.
@Suite struct LongLineExcerptTests {
  @Test func aLongLineIsCutAroundTheSpan() {
    let line = String(repeating: "a", count: 100_000) + "BAD" + String(repeating: "b", count: 100_000)
    let file = SourceFile(path: "long.yaml", text: "k: " + line + "\n")
    let start = 3 + 100_000
    let text = HumanRenderer().render([
      Diagnostic(.unknownKey, at: SourceSpan(file: file, from: start, to: start + 3), "bad")
    ])
    let lines = text.split(separator: "\n").map(String.init)
    #expect(text.count < 600, "\(text.count) characters")
    let source = lines[2]
    let underline = lines[3]
    #expect(source.hasPrefix("1 | …a") && source.hasSuffix("b…"))
    let caret = underline.firstIndex(of: "^")!.utf16Offset(in: underline)
    let bad = source.range(of: "BAD")!.lowerBound.utf16Offset(in: source)
    #expect(caret == bad)
    #expect(underline.hasSuffix("^^^"))
  }

  @Test func aShortLineIsShownWhole() {
    let file = SourceFile(path: "short.yaml", text: "k: value\n")
    let text = HumanRenderer().render([Diagnostic(.unknownKey, at: SourceSpan(file: file, from: 3, to: 8), "bad")])
    #expect(text.contains("1 | k: value\n  |    ^^^^^"))
  }
}

extension LongLineExcerptTests {
  /// A message quoting a 60,000-character key keeps its start and end.
  @Test func aHugeMessageIsShortened() {
    let file = SourceFile(path: "k.yaml", text: "k: 1\n")
    let name = String(repeating: "k", count: 60_000)
    let text = HumanRenderer().render([
      Diagnostic(.unknownKey, at: SourceSpan(file: file, from: 0, to: 1), "unknown key `\(name)` here").help(
        "remove `\(name)`")
    ])
    #expect(text.count < 1_200, "\(text.count) characters")
    #expect(text.contains("error[NS0201]: unknown key `kkk") && text.contains("kkk` here\n"))
    #expect(text.contains("= help: remove `kkk"))
  }
}
