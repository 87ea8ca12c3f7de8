import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// Commas inside parentheses do not split a plain scalar of a flow collection.
@Suite("Flow parentheses")
struct FlowParenthesesTests {
  @Test func functionCallInAFlowMapping() throws {
    let root = try tree("a: {groups: max(1, $c // 4), k: 3}\n")
    #expect(root.shape == "{a: {groups: max(1, $c // 4), k: 3}}")
    let groups = try #require(root.entry("a")?.value.entry("groups"))
    #expect(groups.value.span.range == "1:13-1:28")
  }

  @Test func severalCommasAndNesting() throws {
    let root = try tree("a: {x: min(1, max(2, 3), 4)}\nb: [max(1, 2), 3, min($a,$b)]\n")
    #expect(root.shape == "{a: {x: min(1, max(2, 3), 4)}, b: [max(1, 2), 3, min($a,$b)]}")
  }

  @Test func aCallOverTwoLinesReadsAsOneLine() throws {
    let root = try tree("a: {x: max(1,\n    2)}\n")
    #expect(root.shape == "{a: {x: max(1,     2)}}")
  }

  /// A key with a value ends the rejoining: the text stays unbalanced, for the
  /// expression reader to report.
  @Test func aKeyWithAValueIsNotPartOfTheCall() throws {
    let root = try tree("a: {x: max(1, y: 2)}\n")
    #expect(root.shape == "{a: {x: max(1, y: 2)}}")
    #expect(root.entry("a")?.value.keys == ["x", "y"])
  }

  @Test func quotedAndBlockScalarsAreUntouched() throws {
    let root = try tree("a: ['f(1', '2)']\nb: f(1, 2)\n")
    #expect(root.shape == "{a: [f(1, 2)], b: f(1, 2)}")
    if case .sequence(let items, _)? = root.entry("a")?.value {
      #expect(items.count == 2)
    } else {
      Issue.record("no list")
    }
  }
}
