import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// LSTM (4 gates) or GRU (3 gates), built from attributes.
private enum Cell: String, Sendable, CaseIterable {
  case lstm, gru

  var gates: Int { self == .lstm ? 4 : 3 }

  var schema: OpSchema { self == .lstm ? LSTM.schema : GRU.schema }

  func make(_ given: [String: SpecValue.Kind]) -> any Operator {
    let attributes = Attributes(schema, given)
    return self == .lstm ? LSTM(attributes) : GRU(attributes)
  }
}

@Suite struct RecurrentOpsTests {
  /// PyTorch: sum(p.numel() for p in nn.LSTM(300, 512, 2).parameters()) == 3_768_320,
  /// and nn.GRU(300, 512, 2) has 2_826_240.
  @Test(arguments: [(Cell.lstm, 3_768_320), (Cell.gru, 2_826_240)])
  fileprivate func twoLayerParameterCountMatchesPyTorch(cell: Cell, count: Int) throws {
    let op = cell.make(["hidden": .int(512), "layers": .int(2)])
    let parameters = try op.infer([TensorType([n, t, Dim(300)])]).parameters
    #expect(parameters.map(\.count).reduce(0, +) == count)
    let rows = cell.gates * 512
    #expect(
      parameters.map(\.name) == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
      ])
    #expect(
      parameters.map(\.shape) == [
        [rows, 300], [rows, 512], [rows], [rows],
        [rows, 512], [rows, 512], [rows], [rows],
      ])
    #expect(parameters.allSatisfy { $0.initializer == .uniform(bound: 1 / 512.0.squareRoot()) })
  }

  @Test(arguments: Cell.allCases, ["sequences", "last"])
  fileprivate func outputShape(cell: Cell, returns: String) throws {
    let op = cell.make(["hidden": .int(32), "returns": .string(returns)])
    let inference = try op.infer([TensorType([n, t, Dim(10)])])
    let expected = returns == "last" ? [n, Dim(32)] : [n, t, Dim(32)]
    let states = Array(repeating: TensorType([n, Dim(32)]), count: cell.gates == 4 ? 2 : 1)
    #expect(inference.outputs == [TensorType(expected)] + states)
  }

  /// The final states are [N, L, H] for several layers, and initial states of
  /// that shape are accepted; of another shape they are a located error.
  @Test(arguments: Cell.allCases)
  fileprivate func statesAreBatchFirstPerLayer(cell: Cell) throws {
    let op = cell.make(["hidden": .int(8), "layers": .int(3)])
    let state = TensorType([n, Dim(3), Dim(8)])
    let count = cell.gates == 4 ? 2 : 1
    let x = TensorType([n, t, Dim(5)])
    let inference = try op.infer([x] + Array(repeating: state, count: count))
    #expect(Array(inference.outputs.dropFirst()) == Array(repeating: state, count: count))
    #expect(throws: ShapeError.self) {
      try op.infer([x] + Array(repeating: TensorType([n, Dim(8)]), count: count))
    }
  }

  @Test(arguments: Cell.allCases)
  fileprivate func flopsCountTheGateProductsPerStep(cell: Cell) throws {
    let op = cell.make(["hidden": .int(20), "layers": .int(2)])
    let inference = try op.infer([TensorType([n, t, Dim(10)])])
    let perStep = 2 * cell.gates * 20 * (10 + 20) + 2 * cell.gates * 20 * (20 + 20)
    #expect(inference.flops == n.multiplied(by: t)?.scaled(perStep))
  }

  @Test(arguments: Cell.allCases)
  fileprivate func schema(cell: Cell) {
    #expect(cell.schema.name == cell.rawValue)
    #expect(cell.schema.primary == "hidden")
    #expect(cell.schema.category == .recurrent)
    #expect(OpRegistry.op(named: cell.rawValue) != nil)
  }

  @Test func defaults() {
    let lstm = LSTM(Attributes(LSTM.schema, ["hidden": .int(8)]))
    #expect((lstm.hidden, lstm.layers, lstm.returns) == (8, 1, .sequences))
    let gru = GRU(Attributes(GRU.schema, ["hidden": .int(8), "returns": .string("last")]))
    #expect((gru.hidden, gru.layers, gru.returns) == (8, 1, .last))
  }

  private static let errorCases: [ShapeErrorCase] = [LSTM.self, GRU.self].flatMap {
    (op: any Operator.Type) -> [ShapeErrorCase] in
    let hidden: [String: SpecValue.Kind] = ["hidden": .int(16)]
    return [
      ShapeErrorCase(
        OpCall(op, hidden, TensorType([n, t], .int32)), .shapeMismatch, input: 0,
        mentions: ["float32", "int32 [N, T]"], help: "go through `embedding` first"),
      ShapeErrorCase(
        OpCall(op, hidden, TensorType([n, Dim(10)])), .rankMismatch, input: 0,
        mentions: ["rank-3", "[N, T, features]", "rank 2 [N, 10]"]),
      ShapeErrorCase(
        OpCall(op, hidden, TensorType([n, t, Dim.symbol("F")])), .symbolicDimension, input: 0,
        mentions: ["feature size", "`F`"]),
      ShapeErrorCase(
        OpCall(op, ["hidden": .int(1 << 26)], TensorType([n, t, Dim(10)])), .dimensionOverflow,
        mentions: ["67108864]", "too large"]),
    ]
  }

  @Test(arguments: errorCases)
  func errors(_ c: ShapeErrorCase) {
    expectShapeError(c)
  }
}
