import NetSpecDiagnostics
import NetSpecYAML
import Testing

@Suite("Merge keys (<<)")
struct MergeKeyTests {
  @Test func mergesAnAnchoredMappingWhereTheKeyStands() throws {
    let root = try tree(
      """
      base: &base {filters: 16, kernel: 3, padding: 1}
      conv:
        name: c1
        <<: *base
        kernel: 5
      """)
    #expect(root["conv"]?.shape == "{name: c1, filters: 16, padding: 1, kernel: 5}")
    // Merged entries keep the spans of their definition.
    #expect(root["conv"]?.entry("filters")?.key.span.at == "1:14")
    #expect(root["conv"]?.entry("kernel")?.key.span.at == "5:3")
  }

  @Test func mergesAListOfMappingsFirstOneWins() throws {
    let root = try tree(
      """
      a: &a {x: 1, y: 1}
      b: &b {y: 2, z: 2}
      c: {<<: [*a, *b], z: 3}
      """)
    #expect(root["c"]?.shape == "{x: 1, y: 1, z: 3}")
  }

  @Test func mergesAnInlineMapping() throws {
    #expect(try tree("c: {<<: {x: 1}, y: 2}")["c"]?.shape == "{x: 1, y: 2}")
  }

  @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
    #expect(try tree("c: {'<<': 1}")["c"]?.keys == ["<<"])
  }

  @Test func explicitDuplicateIsStillAnError() throws {
    let found = diagnostics(parse("base: &b {x: 1}\nc:\n  <<: *b\n  y: 1\n  y: 2\n"))
    #expect(found.map(\.code) == [.duplicateKey])
    #expect(found.first?.span?.at == "5:3")
  }

  @Test func twoMergeKeysAreDuplicates() throws {
    let found = diagnostics(parse("a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: *a\n  <<: *b\n"))
    #expect(found.map(\.code) == [.duplicateKey])
    #expect(found.first?.span?.at == "5:3")
    #expect(found.first?.helps.first?.contains("<<: [*a, *b]") == true)
  }

  @Test(arguments: [
    ("c: {<<: 1}", "1:9"),
    ("s: &s [1]\nc: {<<: *s}", "2:9"),
    ("m: &m {x: 1}\nc: {<<: [*m, 2]}", "2:14"),
  ])
  func mergeOfANonMappingIsRejected(text: String, at: String) throws {
    let found = diagnostics(parse(text))
    #expect(found.map(\.code) == [.yamlSyntax])
    #expect(found.first?.span?.at == at)
    #expect(found.first?.message.contains("merge key") == true)
  }

  @Test func mergeThroughAnAliasPointsAtTheAlias() throws {
    let found = diagnostics(parse("s: &s [1]\nc: {<<: *s}"))
    #expect(found.first?.span?.text == "*s")
    #expect(found.first?.labels.map(\.span.text) == ["1"])
    #expect(found.first?.labels.first?.message == "this is a scalar")
  }
}
