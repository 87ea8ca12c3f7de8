import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Constraints that involve a symbolic dimension are checked again once the
/// dimension gets a size (from the data, `--dim`, `--bind` or a predict input).
@Suite struct BindingCheckTests {
  /// A learned positional table of 16 rows on a sequence of `T` tokens.
  static let positional = spec(
    inputs: "tokens: {shape: [N, T], dtype: int32}",
    """
      - embedding: {vocab: 10, dim: 8}
      - positional_encoding: {kind: learned, max_length: 16}
      - dense: 3
    """)

  @Test func learnedPositionsRejectASequenceLongerThanTheTable() throws {
    let (graph, diagnostics) = lower(Self.positional)
    let checked = try #require(graph, "\(diagnostics.map(\.message))")
    #expect(checked.violation(at: ["T": 16]) == nil)
    let violation = try #require(checked.violation(at: ["T": 17], from: "--dim"))
    #expect(violation.code == .valueOutOfRange)
    #expect(violation.message.contains("17 steps but max_length is 16"))
    #expect(position(violation) == "5:54", "points at the max_length value")
    #expect(violation.notes == ["at T = 17 (from --dim)"])
  }

  @Test func thePlannerRefusesSizesTheGraphCannotTake() throws {
    let graph = try #require(lower(Self.positional).0)
    #expect(throws: Never.self) { try Planner.plan(graph, capacity: 2, bindings: ["T": 16], training: false) }
    #expect {
      try Planner.plan(graph, capacity: 2, bindings: ["T": 2048], training: false)
    } throws: { error in
      guard let error = error as? PlanningError else { return false }
      return error.diagnostic.code == .valueOutOfRange && error.message.hasPrefix("t.yaml:5:54: ")
    }
  }

  /// The same class: the sinusoidal table's default length, sizes that pass
  /// 2^53 only at the bound sizes (an input, a flatten's output), a size of 0.
  @Test func everyShapeRuleRunsAtTheBoundSizes() throws {
    let sinusoid = try #require(lower(spec(inputs: "x: [N, T, 8]", "  - positional_encoding\n")).0)
    #expect(sinusoid.violation(at: ["T": 5000]) == nil)
    #expect(sinusoid.violation(at: ["T": 5001])?.code == .valueOutOfRange)
    let wide = try #require(lower(spec(inputs: "x: [N, T, T]", "  - flatten\n")).0)
    #expect(wide.violation(at: ["T": 1 << 20]) == nil)
    #expect(wide.violation(at: ["T": 1 << 27])?.code == .dimensionOverflow)
    #expect(wide.violation(at: ["T": 0])?.code == .dimensionOverflow)
    let cube = try #require(lower(spec(inputs: "x: [N, T, T, T]", "  - flatten\n")).0)
    let input = try #require(cube.violation(at: ["T": 1 << 18]))
    #expect(input.code == .dimensionOverflow && position(input) == "2:10", "\(input.message)")
  }

  /// `select` on a symbolic axis (BERT's pooler on token 0 of `[N, T, D]`)
  /// takes a non-negative index, checked against the axis once it is bound; a
  /// negative index needs the size.
  @Test func selectOnASymbolicAxisIsCheckedAtTheBoundSize() throws {
    let first = try #require(lower(spec(inputs: "x: [N, T, 8]", "  - select: 2\n")).0)
    #expect(first.violation(at: ["T": 3]) == nil)
    let violation = try #require(first.violation(at: ["T": 2], from: "--dim"))
    #expect(violation.code == .valueOutOfRange && violation.message.contains("index 2 is outside axis 1"))
    let (last, diagnostics) = lower(spec(inputs: "x: [N, T, 8]", "  - select: -1\n"))
    #expect(last == nil && diagnostics.map(\.code) == [.symbolicDimension])
  }

  /// `reshape` and `expand` name symbols in their target shapes: at bound
  /// sizes the symbols take them too, so `[T, 1]` of `[N, T]` and `[T, 4]`
  /// of `[N, T, 1]` stay valid.
  @Test func shapeAttributesNamingSymbolsAreBoundWithTheInputs() throws {
    let column = try #require(lower(spec(inputs: "x: [N, T]", "  - reshape: {shape: [T, 1]}\n")).0)
    #expect(column.violation(at: ["T": 7]) == nil)
    let expanded = try #require(lower(spec(inputs: "x: [N, T, 1]", "  - expand: {shape: [T, 4]}\n")).0)
    #expect(expanded.violation(at: ["T": 3]) == nil)
  }

  @Test func substitutionKeepsUnboundSymbols() throws {
    let nt = try #require(Dim.symbol("N").multiplied(by: .symbol("T"))?.adding(Dim(3)))
    #expect(nt.substituting(["T": 50])?.description == "50*N + 3")
    #expect(nt.substituting(["T": 1 << 60]) == nil)
  }
}
