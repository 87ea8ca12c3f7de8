import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// A malformed or hostile input, built on demand (some are megabytes), and the
/// diagnostic code it must produce.
struct HostileInput: Sendable, CustomTestStringConvertible {
  var name: String
  var code: DiagnosticCode
  var make: @Sendable () -> [UInt8]

  init(_ name: String, _ code: DiagnosticCode, text: @escaping @Sendable () -> String) {
    self.name = name
    self.code = code
    self.make = { Array(text().utf8) }
  }

  init(_ name: String, _ code: DiagnosticCode, bytes: @escaping @Sendable () -> [UInt8]) {
    self.name = name
    self.code = code
    self.make = bytes
  }

  var testDescription: String { name }

  /// "Billion laughs": ten levels of ten aliases, 10^10 nodes if expanded.
  static func billionLaughs() -> String {
    var lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in 1...9 {
      let aliases = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
      lines.append("l\(level): &l\(level) [\(aliases)]")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static let corpus: [HostileInput] = [
    HostileInput("tab indentation", .yamlSyntax) { "layers:\n\t- relu\n" },
    HostileInput("tab before a key", .yamlSyntax) { "a:\n  b: 1\n\tc: 2\n" },
    HostileInput("unterminated double quote", .yamlSyntax) { "name: \"lenet\ndepth: 5\n" },
    HostileInput("unterminated single quote", .yamlSyntax) { "name: 'lenet\n" },
    HostileInput("invalid UTF-8 byte", .invalidEncoding) { Array("a: ".utf8) + [0xFF] },
    HostileInput("truncated UTF-8 sequence", .invalidEncoding) { Array("a: ".utf8) + [0xE2, 0x82] },
    HostileInput("overlong UTF-8", .invalidEncoding) { Array("a: ".utf8) + [0xC0, 0xAF] },
    HostileInput("UTF-8 encoded surrogate", .invalidEncoding) {
      Array("a: ".utf8) + [0xED, 0xA0, 0x80]
    },
    HostileInput("UTF-16 LE with BOM", .invalidEncoding) {
      [0xFF, 0xFE] + "a: 1\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    },
    HostileInput("UTF-16 BE with BOM", .invalidEncoding) {
      [0xFE, 0xFF] + "a: 1\n".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    },
    HostileInput("UTF-16 LE without BOM", .invalidEncoding) {
      "a: 1\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    },
    HostileInput("NUL byte", .invalidEncoding) { Array("a: 1\nb: 2".utf8) + [0, 0, 0] },
    HostileInput("bell control character", .invalidEncoding) { "a: \u{07}\n" },
    HostileInput("billion laughs", .aliasExpansionLimit) { billionLaughs() },
    HostileInput("wide alias bomb", .aliasExpansionLimit) {
      let wide = (0..<1000).map { "k\($0): 1" }.joined(separator: ", ")
      return "a: &a {\(wide)}\nb: [" + Array(repeating: "*a", count: 1000).joined(separator: ", ")
        + "]\n"
    },
    HostileInput("100k nested brackets", .nestingTooDeep) { String(repeating: "[", count: 100_000) },
    HostileInput("100k nested braces", .nestingTooDeep) {
      String(repeating: "{a: ", count: 100_000)
    },
    HostileInput("100k nested block lists", .nestingTooDeep) {
      String(repeating: "- ", count: 100_000) + "x\n"
    },
    HostileInput("1000 nested block mappings", .nestingTooDeep) {
      (0..<1000).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
    },
    HostileInput("deep alias re-nesting", .nestingTooDeep) {
      let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
      return "a: &a \(deep)\nb: " + String(repeating: "[", count: 30) + "*a"
        + String(repeating: "]", count: 30) + "\n"
    },
    HostileInput("1 MB scalar", .scalarTooLong) { "a: " + String(repeating: "x", count: 1 << 20) },
    HostileInput("1 MB quoted non-ASCII scalar", .scalarTooLong) {
      "a: \"" + String(repeating: "é", count: 1 << 19) + "\"\n"
    },
    HostileInput("5 MB file", .fileTooLarge) { String(repeating: "# padding\n", count: 500_000) },
    HostileInput("2 MB single-line flow list", .fileTooLarge) {
      "[" + String(repeating: "1,", count: 1_000_000) + "1]"
    },
    HostileInput("huge number of keys", .fileTooLarge) {
      (0..<200_000).map { "key\($0): 1\n" }.joined()
    },
    HostileInput("many duplicate keys", .duplicateKey) {
      String(repeating: "k: 1\n", count: 40_000)
    },
    HostileInput("two documents", .multipleDocuments) { "a: 1\n---\nb: 2\n" },
    HostileInput("--- twice", .multipleDocuments) { "---\n---\n" },
    HostileInput("10k documents", .multipleDocuments) { String(repeating: "--- x\n", count: 10_000) },
    HostileInput("empty file", .emptyDocument) { "" },
    HostileInput("only comments", .emptyDocument) { "# nothing here\n# at all\n" },
    HostileInput("only whitespace", .emptyDocument) { "\n   \n\n" },
    HostileInput("complex flow key", .complexKey) { "[a, b]: 1\n" },
    HostileInput("complex mapping key", .complexKey) { "? {a: 1}\n: 2\n" },
    HostileInput("unclosed flow list", .yamlSyntax) { "layers: [relu, tanh\n" },
    HostileInput("unclosed flow mapping", .yamlSyntax) { "conv: {filters: 6\n" },
    HostileInput("stray ]", .yamlSyntax) { "a: 1\n]\n" },
    HostileInput("stray }", .yamlSyntax) { "}\n" },
    HostileInput("directive %YAML 1.3", .yamlSyntax) { "%YAML 1.3\n---\na: 1\n" },
    HostileInput("unknown directive", .yamlSyntax) { "%FOO bar\n---\na: 1\n" },
    HostileInput("python object tag", .yamlSyntax) {
      "a: !!python/object/apply:os.system [\"rm -rf /\"]\n"
    },
    HostileInput("undefined alias", .undefinedAlias) { "a: *missing\n" },
    HostileInput("recursive alias", .undefinedAlias) { "a: &x [*x]\n" },
    HostileInput("alias without a name", .yamlSyntax) { "a: *\n" },
    HostileInput("reserved indicator", .yamlSyntax) { "a: `rm`\n" },
    HostileInput("colon in plain value", .yamlSyntax) { "help: use this: that\n" },
    HostileInput("merge of a scalar", .yamlSyntax) { "a: {<<: 1}\n" },
    HostileInput("very long key", .scalarTooLong) {
      "? " + String(repeating: "k", count: 100_000) + "\n: 1\n"
    },
  ]
}

@Suite("Hostile inputs")
struct HostileInputTests {
  @Test(arguments: HostileInput.corpus)
  func isRejectedWithALocatedDiagnostic(_ input: HostileInput) {
    let file = SourceFile(path: "hostile.yaml", bytes: input.make())
    let found = diagnostics(YAMLParser.parse(file))
    #expect(!found.isEmpty)
    #expect(found.count <= YAMLLimits.default.maxDiagnostics)
    #expect(found.first?.code == input.code, "\(found.prefix(3).map(describe))")
    #expect(found.allSatisfy { $0.path == "hostile.yaml" })
    if input.code != .fileTooLarge || file.bytes.count <= YAMLLimits.default.maxFileBytes {
      #expect(found.contains { $0.span != nil }, "no diagnostic has a span")
    }
  }

  @Test func billionLaughsIsRejectedAtTheFirstAliasPastTheLimit() throws {
    let found = diagnostics(parse(HostileInput.billionLaughs()))
    #expect(found.map(\.code) == [.aliasExpansionLimit])
    let diagnostic = try #require(found.first)
    // l3 expands to 11111 nodes, so l4 (111111) cannot fit: its eighth alias to l3
    // takes the document past 100000 nodes, and nothing is materialised beyond that.
    #expect(diagnostic.span?.text == "*l3")
    #expect(diagnostic.span?.at == "5:45")
    #expect(diagnostic.labels.first?.message == "`&l3` is defined here")
  }
}
