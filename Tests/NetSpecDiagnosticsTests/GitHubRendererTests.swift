import NetSpecDiagnostics
import Testing

/// A diagnostic and the workflow command ``GitHubRenderer`` prints for it.
struct GitHubCase: Sendable, CustomTestStringConvertible {
  var name: String
  var diagnostic: Diagnostic
  var expected: String
  var testDescription: String { name }
}

private let oddPath = SourceFile(path: "specs/a,b:c%d.yaml", text: "x: 1\n")

let gitHubCases: [GitHubCase] = [
  GitHubCase(
    name: "span on one line, with labels, help and note",
    diagnostic: Diagnostic(.unknownOp, at: span(of: "conv2", in: lenet), "unknown op `conv2`")
      .primaryLabel("not a known op")
      .label(span(of: "dense", in: lenet), "the next layer")
      .help("did you mean `conv2d`?")
      .note("ops are listed by `netspec ops`"),
    expected: "::error file=specs/bad.yaml,line=3,col=5,endLine=3,endColumn=9,"
      + "title=NS0206 unknown-op::unknown op `conv2`"
      + "%0Aspecs/bad.yaml:3:5: not a known op%0Aspecs/bad.yaml:4:5: the next layer"
      + "%0Ahelp: did you mean `conv2d`?%0Anote: ops are listed by `netspec ops`"),
  GitHubCase(
    name: "zero-width span",
    diagnostic: Diagnostic(
      .missingKey, at: point(before: "layers", in: lenet), "missing key `inputs`"),
    expected: "::error file=specs/bad.yaml,line=2,col=1,endLine=2,endColumn=1,"
      + "title=NS0202 missing-key::missing key `inputs`"),
  GitHubCase(
    name: "span over several lines has no columns",
    diagnostic: Diagnostic(
      .typeMismatch, at: SourceSpan(file: lenet, from: 11, to: 30), "expected a list"),
    expected:
      "::error file=specs/bad.yaml,line=2,endLine=3,title=NS0203 type-mismatch::expected a list"),
  GitHubCase(
    name: "span up to its line's newline ends at the last character",
    diagnostic: Diagnostic(
      .unsupportedVersion, at: SourceSpan(file: lenet, from: 0, to: 11), "too new"),
    expected: "::error file=specs/bad.yaml,line=1,col=1,endLine=1,endColumn=10,"
      + "title=NS0205 unsupported-version::too new"),
  GitHubCase(
    name: "warning",
    diagnostic: Diagnostic(.unusedValue, at: span(of: "dense", in: lenet), "unused layer"),
    expected: "::warning file=specs/bad.yaml,line=4,col=5,endLine=4,endColumn=9,"
      + "title=NS0503 unused-value::unused layer"),
  GitHubCase(
    name: "note becomes a notice",
    diagnostic: Diagnostic(.unusedValue, at: nil, "fyi", severity: .note).inFile("specs/x.yaml"),
    expected: "::notice file=specs/x.yaml,title=NS0503 unused-value::fyi"),
  GitHubCase(
    name: "no span and no path",
    diagnostic: Diagnostic(.badOverride, at: nil, "bad `--set`"),
    expected: "::error title=NS0003 bad-override::bad `--set`"),
  GitHubCase(
    name: "message escapes percent, CR and LF but not colon and comma",
    diagnostic: Diagnostic(.badOverride, at: nil, "100% sure,\r\nreally: yes"),
    expected: "::error title=NS0003 bad-override::100%25 sure,%0D%0Areally: yes"),
  GitHubCase(
    name: "properties escape percent, colon and comma",
    diagnostic: Diagnostic(.yamlSyntax, at: span(of: "x", in: oddPath), "bad"),
    expected: "::error file=specs/a%2Cb%3Ac%25d.yaml,line=1,col=1,endLine=1,endColumn=1,"
      + "title=NS0101 yaml-syntax::bad"),
]

@Suite("GitHubRenderer")
struct GitHubRendererTests {
  @Test(arguments: gitHubCases)
  func rendersWorkflowCommand(_ test: GitHubCase) {
    #expect(GitHubRenderer().render([test.diagnostic]) == test.expected + "\n")
  }

  @Test func rendersOneLinePerDiagnostic() {
    let output = GitHubRenderer().render(gitHubCases.map(\.diagnostic))
    #expect(output == gitHubCases.map { $0.expected + "\n" }.joined())
    #expect(GitHubRenderer().render([]) == "")
  }
}
