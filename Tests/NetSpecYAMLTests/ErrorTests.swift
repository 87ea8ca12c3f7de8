import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// One input that must fail with a diagnostic of `code` starting at `at`
/// (`line:column`).
struct ErrorCase: Sendable, CustomTestStringConvertible {
  var name: String
  var bytes: [UInt8]
  var code: DiagnosticCode
  var at: String
  var limits = YAMLLimits.default
  var help: String? = nil

  init(
    _ name: String, _ text: String, _ code: DiagnosticCode, at: String,
    limits: YAMLLimits = .default, help: String? = nil
  ) {
    self.init(name, bytes: Array(text.utf8), code, at: at, limits: limits, help: help)
  }

  init(
    _ name: String, bytes: [UInt8], _ code: DiagnosticCode, at: String,
    limits: YAMLLimits = .default, help: String? = nil
  ) {
    self.name = name
    self.bytes = bytes
    self.code = code
    self.at = at
    self.limits = limits
    self.help = help
  }

  var testDescription: String { name }
}

@Suite("Diagnostics with code and location")
struct ErrorTests {
  static let cases: [ErrorCase] = [
    ErrorCase("tab indentation", "a:\n\tb: 1\n", .yamlSyntax, at: "2:1", help: "replace the tab"),
    ErrorCase("tab in block scalar", "a: |\n\tb\n", .yamlSyntax, at: "2:1", help: "replace the tab"),
    ErrorCase(
      "unterminated double quote", "a: \"abc\nb: 1\n", .yamlSyntax, at: "3:1",
      help: "closing quote"),
    ErrorCase("unterminated single quote", "a: 'abc", .yamlSyntax, at: "1:8", help: "closing quote"),
    ErrorCase("value with colon", "a: b: c\n", .yamlSyntax, at: "1:5", help: "quotes"),
    ErrorCase("over-indented key", "a: 1\n b: 2\n", .yamlSyntax, at: "2:3", help: "indentation"),
    ErrorCase(
      "under-indented key", "a:\n  b: 1\n c: 2\n", .yamlSyntax, at: "3:2", help: "same column"),
    ErrorCase("reserved @", "key: @foo\n", .yamlSyntax, at: "1:6", help: "quotes"),
    ErrorCase("unclosed flow list", "a: [1, 2\n", .yamlSyntax, at: "2:1", help: "`]`"),
    ErrorCase("unclosed flow mapping", "a: {b: 1\n", .yamlSyntax, at: "2:1", help: "`}`"),
    ErrorCase("stray bracket", "a: 1\n]\n", .yamlSyntax, at: "2:1", help: "no opening bracket"),
    ErrorCase("list after key on one line", "a: - b\n", .yamlSyntax, at: "1:4", help: "[a, b]"),
    ErrorCase("YAML 1.3 directive", "%YAML 1.3\n---\na: 1\n", .yamlSyntax, at: "1:1", help: "%YAML"),
    ErrorCase("tag", "a: !!python/object x\n", .yamlSyntax, at: "1:4", help: "remove the tag"),
    ErrorCase("local tag on a list", "a: !mine [1]\n", .yamlSyntax, at: "1:4"),
    ErrorCase("undefined tag handle", "!foo!bar x\n", .yamlSyntax, at: "1:1", help: "tags"),
    ErrorCase(
      "syntax error after non-ASCII text", "- ü: [ä, @]\n", .yamlSyntax, at: "1:10"),
    ErrorCase(
      "syntax error after a long non-ASCII line",
      "a: " + String(repeating: "ж", count: 600) + "\nb: `x`\n", .yamlSyntax, at: "2:4"),
    ErrorCase("invalid UTF-8", bytes: Array("a: caf".utf8) + [0xE9, 0x0A], .invalidEncoding, at: "1:7"),
    ErrorCase(
      "invalid UTF-8 after non-ASCII", bytes: Array("ü: ".utf8) + [0xC3, 0x28], .invalidEncoding,
      at: "1:4"),
    ErrorCase(
      "UTF-16 byte order mark", bytes: [0xFF, 0xFE, 0x61, 0x00, 0x3A, 0x00], .invalidEncoding,
      at: "1:1", help: "UTF-8"),
    ErrorCase("NUL byte", bytes: Array("a: 1\nb: ö".utf8) + [0x00], .invalidEncoding, at: "2:5"),
    ErrorCase(
      "NUL byte after a UTF-8 BOM", bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1".utf8) + [0],
      .invalidEncoding, at: "1:6"),
    ErrorCase("duplicate key", "a: 1\nb: 2\na: 3\n", .duplicateKey, at: "3:1"),
    ErrorCase("duplicate key in flow", "m: {x: 1, x: 2}\n", .duplicateKey, at: "1:11"),
    ErrorCase("undefined alias", "a: &x 1\nb: *y\n", .undefinedAlias, at: "2:4"),
    ErrorCase("alias to its own container", "a: &x [1, *x]\n", .undefinedAlias, at: "1:11"),
    ErrorCase(
      "alias to its own mapping", "a: &x\n  b: *x\n", .undefinedAlias, at: "2:6"),
    ErrorCase(
      "alias bomb", "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n", .aliasExpansionLimit,
      at: "3:5", limits: YAMLLimits(maxNodes: 30)),
    ErrorCase(
      "too deep", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
      .nestingTooDeep, at: "1:65"),
    ErrorCase(
      "too deep block", "a:\n  b:\n    c: 1\n", .nestingTooDeep, at: "3:5",
      limits: YAMLLimits(maxDepth: 2)),
    ErrorCase(
      "too deep through an alias", "a: &a [[1]]\nb: [[*a]]\n", .nestingTooDeep, at: "2:6",
      limits: YAMLLimits(maxDepth: 4)),
    ErrorCase(
      "scalar too long", "a: 123456789\n", .scalarTooLong, at: "1:4",
      limits: YAMLLimits(maxScalarBytes: 8)),
    ErrorCase("two documents", "a: 1\n---\nb: 2\n", .multipleDocuments, at: "2:1"),
    ErrorCase("two document markers", "---\n---\n", .multipleDocuments, at: "2:1"),
    ErrorCase("empty file", "", .emptyDocument, at: "1:1"),
    ErrorCase("only comments", "# a spec\n\n# to come\n", .emptyDocument, at: "1:1"),
    ErrorCase("empty explicit document", "\n---\n", .emptyDocument, at: "2:1"),
    ErrorCase("list as key", "[a, b]: 1\n", .complexKey, at: "1:1"),
    ErrorCase("mapping as explicit key", "x: 1\n? {a: 1}\n: 2\n", .complexKey, at: "2:3"),
    ErrorCase("too many nodes", "[1, 2, 3, 4, 5]", .fileTooLarge, at: "1:14", limits: YAMLLimits(maxNodes: 5)),
  ]

  @Test(arguments: cases)
  func reportsCodeAndLocation(_ errorCase: ErrorCase) {
    let found = diagnostics(parse(bytes: errorCase.bytes, limits: errorCase.limits))
    #expect(found.count >= 1)
    let first = found.first
    #expect(first?.code == errorCase.code, "\(found.map(describe))")
    #expect(first?.span?.at == errorCase.at, "\(found.map(describe))")
    #expect(first?.span?.file.path == "spec.yaml")
    if let help = errorCase.help {
      #expect(first?.helps.contains { $0.contains(help) } == true, "\(first?.helps ?? [])")
    }
  }

  @Test func fileTooLargeIsCheckedBeforeParsing() {
    let found = diagnostics(parse("a: [", limits: YAMLLimits(maxFileBytes: 3)))
    #expect(found.map(\.code) == [.fileTooLarge])
    // Located at the first character past the limit (the `[`), not parsed.
    #expect(found.first?.span?.at == "1:4")
    #expect(found.first?.path == "spec.yaml")
  }

  @Test func everyDuplicateKeyIsReported() {
    let found = diagnostics(parse("a: 1\nb: 2\na: 3\nc:\n  x: 1\n  x: 2\nb: 4\n"))
    #expect(found.map(\.code) == [.duplicateKey, .duplicateKey, .duplicateKey])
    #expect(found.map { $0.span?.at ?? "" }.sorted() == ["3:1", "6:3", "7:1"])
    let a = found.first { $0.span?.at == "3:1" }
    #expect(a?.message == "duplicate key `a`")
    #expect(a?.labels.map(\.span.at) == ["1:1"])
    #expect(a?.labels.first?.message == "first defined here")
  }

  @Test func independentProblemsAreAllReported() {
    let found = diagnostics(parse("a: !!str x\nb: *nope\nc: [1]\nc: 2\n[k]: 3\n"))
    #expect(Set(found.map(\.code)) == [.yamlSyntax, .undefinedAlias, .duplicateKey, .complexKey])
  }

  @Test func syntaxErrorLabelsWhatLibYAMLWasDoing() throws {
    let found = diagnostics(parse("a: \"abc\nb: 1\n"))
    let label = try #require(found.first?.labels.first)
    #expect(label.span.at == "1:4")
    #expect(label.message == "while scanning a quoted scalar")
    #expect(found.first?.message == "found unexpected end of stream")
  }

  @Test func multipleDocumentsPointsAtTheFirstToo() throws {
    let found = diagnostics(parse("---\na: 1\n--- \nb: 2\n"))
    #expect(found.first?.span?.range == "3:1-3:4")
    #expect(found.first?.labels.first?.span.at == "1:1")
  }

  @Test func undefinedAliasSuggestsAnAnchor() {
    let found = diagnostics(parse("a: &conv1 1\nb: *conv2\n"))
    #expect(found.first?.helps == ["did you mean `conv1`?"])
  }

  @Test func invalidUTF8SpanCoversTheBadSequence() throws {
    // A truncated three-byte sequence at the end of the file.
    let found = diagnostics(parse(bytes: Array("a: ".utf8) + [0xE2, 0x82]))
    let span = try #require(found.first?.span)
    #expect(span.start.offset == 3 && span.end.offset == 5)
    #expect(found.first?.message == "invalid UTF-8 bytes 0xE2 0x82")
  }

  @Test func diagnosticsStopAtTheCap() {
    let text = (0..<200).map { _ in "k: 1\n" }.joined()
    let found = diagnostics(parse(text))
    #expect(found.count == YAMLLimits.default.maxDiagnostics)
    #expect(found.last?.notes == ["stopped after 50 errors"])
  }
}
