import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `repeat: 0` and `repeat: 1`, `$index` and `$var` references.
@Suite struct RepeatCountTests {
  @Test func repeatZeroRemovesTheStage() throws {
    let (graph, diagnostics) = lower(
      spec("  - dense: 8\n  - dense: 16\n    name: stage\n    repeat: $n\n  - dense: 4\n", extra: "vars: {n: 0}\n"))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.nodes.map(\.name) == ["dense_1", "dense_2"])
    #expect(g.nodes[1].inputs == g.nodes[0].outputs)
  }

  @Test func aBlockWhoseOnlyContentDisappearsPassesItsInputOn() throws {
    let blocks = "blocks:\n  stage:\n    args: {depth: 0}\n    layers:\n      - dense: 64\n        repeat: $depth\n"
    let (graph, diagnostics) = lower(spec("  - stage\n  - dense: 3\n", extra: blocks))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.nodes.map(\.name) == ["dense_1"])
    #expect(g.nodes[0].inputs == g.inputs)
  }

  @Test(arguments: ["stage", "stage.0", "stage.1"])
  func referenceToARemovedCopyIsLocated(name: String) throws {
    let (graph, diagnostics) = lower(
      spec("  - dense: 8\n    name: stage\n    repeat: 0\n  - dense: {units: 4, from: \(name)}\n"))
    #expect(graph == nil)
    let diagnostic = try #require(diagnostics.first)
    #expect(diagnostics.count == 1)
    #expect(diagnostic.code == .unknownReference)
    #expect(position(diagnostic) == "7:29")
    #expect(diagnostic.message.contains("`repeat: 0` removes `stage`"))
    #expect(diagnostic.labels.map { position(span: $0.span) } == ["6:13"])
  }

  @Test func repeatBelowZeroIsOutOfRange() {
    let (_, diagnostics) = lower(spec("  - relu:\n    repeat: -1\n"))
    #expect(diagnostics.map(\.code) == [.valueOutOfRange])
  }

  /// One copy is named `.0` like any other count, so weights keep their names
  /// when the count changes.
  @Test(arguments: [1, 2, 3])
  func copiesAreNumberedWhateverTheCount(count: Int) throws {
    let (graph, diagnostics) = lower(
      spec(
        "  - dense: 64\n    name: body\n    repeat: \(count)\n  - dense: {units: 2, from: body}\n",
        extra: "expect: {layers: {body.0: {params: 4160}}}\n"))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.nodes.map(\.name) == (0..<count).map { "body.\($0)" } + ["dense_1"])
    #expect(g.parameters.first?.name == "body.0.weight")
    #expect(g.nodes.last?.inputs == g.nodes[count - 1].outputs)
  }

  /// WaveNet's schedule: the dilation doubles up to 512 and starts again.
  @Test func indexSchedulesDilations() throws {
    let layers = """
        - conv2d: {filters: 4, kernel: [1, 2], dilation: [1, 2 ** ($index % 10)], padding: [0, 2 ** ($index % 10)]}
          repeat: 12

      """
    let (graph, diagnostics) = lower(spec(inputs: "x: [N, 4, 1, 64]", layers))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    let dilations = g.nodes.map { $0.attributes.values["dilation"]?.description }
    #expect(dilations == (0..<12).map { "[1, \(1 << ($0 % 10))]" })
  }

  @Test func indexingAListVariable() throws {
    let layers = "  - dense:\n      units: $widths[$index]\n    repeat: 3\n"
    let (graph, diagnostics) = lower(spec(layers, extra: "vars: {widths: [8, 16, 32]}\n"))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.parameters.filter { $0.name.hasSuffix("bias") }.map(\.shape) == [[8], [16], [32]])
  }

  @Test func indexPastTheListIsLocated() throws {
    let layers = "  - dense:\n      units: $widths[$index]\n    repeat: 4\n"
    let (_, diagnostics) = lower(spec(layers, extra: "vars: {widths: [8, 16, 32]}\n"))
    let diagnostic = try #require(diagnostics.first)
    #expect(diagnostic.code == .valueOutOfRange)
    #expect(diagnostic.message == "index 3 is out of range for a list of 3 items")
    #expect(diagnostic.span.map { "\($0.start.column)-\($0.end.column)" } == "22-28")
  }

  @Test func variablesNameInputsAndOutputs() throws {
    let (graph, diagnostics) = lower(
      spec(
        inputs: "a: [N, 4], b: [N, 4]",
        "  - dense: {units: 4, from: $first, name: one}\n  - add: {from: [$second, b]}\n  - concat: {from: $pair}\n",
        extra: "vars: {first: a, second: one, pair: [one, add_1]}\n"))
    #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
    let g = try #require(graph)
    #expect(g.nodes[0].inputs == [try #require(g.value(named: "a"))])
    #expect(g.nodes[2].inputs == [g.nodes[0].outputs[0], g.nodes[1].outputs[0]])
  }

  @Test func aVariableThatIsNotANameIsLocated() throws {
    let (_, diagnostics) = lower(spec("  - dense: {units: 3, from: $n}\n", extra: "vars: {n: 3}\n"))
    let diagnostic = try #require(diagnostics.first)
    #expect(diagnostic.code == .typeMismatch)
    #expect(position(diagnostic) == "5:29")
  }

  /// A comma inside parentheses does not end a value of a flow mapping.
  @Test func functionCallsInFlowMappings() throws {
    let (graph, diagnostics) = lower(
      spec(
        inputs: "x: [N, 16, 8, 8]",
        "  - conv2d: {filters: 16, kernel: [max(1, 1), min(1, $c)], groups: max(1, $c // 4), name: a}\n",
        extra: "vars: {c: 16}\n"))
    let g = try #require(graph, "\(diagnostics)")
    #expect(g.nodes[0].attributes.values["groups"]?.description == "4")
    #expect(g.parameters[0].shape == [16, 4, 1, 1])
  }
}

/// `line:column` of a span.
func position(span: SourceSpan?) -> String {
  span.map { "\($0.start.line):\($0.start.column)" } ?? "-"
}
