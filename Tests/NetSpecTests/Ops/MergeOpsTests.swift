import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")
private let huge = Dim(1 << 52)

/// Calls that succeed with their output and FLOPs (concat only copies).
private let shapeCases: [(OpCall, TensorType, Dim)] = [
  (
    OpCall(Concat.self, [:], TensorType([n, 16, 5, 5]), TensorType([n, 8, 5, 5])),
    TensorType([n, 24, 5, 5]), 0
  ),
  // Inception-style: four branches along the channels.
  (
    OpCall(
      Concat.self, ["axis": .int(1)], TensorType([n, 64, 28, 28]), TensorType([n, 128, 28, 28]),
      TensorType([n, 32, 28, 28]), TensorType([n, 32, 28, 28])),
    TensorType([n, 256, 28, 28]), 0
  ),
  (OpCall(Concat.self, ["axis": .int(-1)], TensorType([n, t, 4]), TensorType([n, t, 6])), TensorType([n, t, 10]), 0),
  (OpCall(Concat.self, [:], TensorType([n, t, 4]), TensorType([n, 3, 4])), TensorType([n, t.adding(3)!, 4]), 0),
  (OpCall(Concat.self, ["axis": .int(0)], TensorType([n, 4]), TensorType([n, 4])), TensorType([n.scaled(2)!, 4]), 0),
  (
    OpCall(Add.self, [:], TensorType([n, 64, 56, 56]), TensorType([n, 64, 56, 56])),
    TensorType([n, 64, 56, 56]), n.scaled(64 * 56 * 56)!
  ),
  (
    OpCall(Add.self, [:], TensorType([n, t, 8]), TensorType([n, t, 8]), TensorType([n, t, 8])),
    TensorType([n, t, 8]), n.multiplied(by: t)!.scaled(16)!
  ),
  (OpCall(Multiply.self, [:], TensorType([n, 10]), TensorType([n, 10])), TensorType([n, 10]), n.scaled(10)!),
  (
    OpCall(Multiply.self, [:], TensorType([n, t]), TensorType([n, t]), TensorType([n, t])),
    TensorType([n, t]), n.multiplied(by: t)!.scaled(2)!
  ),
]

private let concatErrors: [ShapeErrorCase] = [
  ShapeErrorCase(
    OpCall(Concat.self, [:], TensorType([n, 4]), TensorType([n, 4], .int32)), .shapeMismatch, input: 1,
    mentions: ["expected float32", "got int32 [N, 4]"]),
  ShapeErrorCase(
    OpCall(Concat.self, ["axis": .int(4)], TensorType([n, 16, 5, 5]), TensorType([n, 8, 5, 5])),
    .valueOutOfRange, input: 0, attribute: "axis", mentions: ["axis 4", "rank-4 input [N, 16, 5, 5]"],
    help: "-4...3"),
  ShapeErrorCase(
    OpCall(Concat.self, [:], TensorType([n, 16, 5, 5]), TensorType([n, 8, 4, 4])), .shapeMismatch,
    input: 1,
    mentions: [
      "input 1 has shape [N, 8, 4, 4], expected [N, *, 5, 5]", "input 0 [N, 16, 5, 5]", "axis 1",
    ],
    help: "only along axis 1"),
  // The first input that differs is blamed, here the third.
  ShapeErrorCase(
    OpCall(Concat.self, ["axis": .int(-1)], TensorType([n, t, 4]), TensorType([n, t, 6]), TensorType([n, 5, 6])),
    .shapeMismatch, input: 2, mentions: ["input 2 has shape [N, 5, 6], expected [N, T, *]", "[N, T, 4]", "axis 2"]),
  ShapeErrorCase(
    OpCall(Concat.self, [:], TensorType([n, 16, 5, 5]), TensorType([n, 16])), .rankMismatch, input: 1,
    mentions: ["input 1 has shape [N, 16], expected [N, *, 5, 5]", "input 0 [N, 16, 5, 5]"]),
  ShapeErrorCase(
    OpCall(Concat.self, [:], TensorType([n, huge]), TensorType([n, huge]), TensorType([n, huge])),
    .dimensionOverflow, mentions: ["overflows"]),
]

/// The arithmetic merges share their error paths (NumPy broadcasting).
private let elementwiseErrors: [ShapeErrorCase] = [Add.self, Subtract.self, Multiply.self, Divide.self].flatMap {
  (op: any Operator.Type) -> [ShapeErrorCase] in
  [
    ShapeErrorCase(
      OpCall(op, [:], TensorType([n, 4]), TensorType([n, 4], .int32)), .shapeMismatch, input: 1,
      mentions: ["expected float32", "got int32 [N, 4]"]),
    ShapeErrorCase(
      OpCall(op, [:], TensorType([n, 64, 56, 56]), TensorType([n, 128, 28, 28])),
      .shapeMismatch, input: 1,
      mentions: ["input 1 has shape [N, 128, 28, 28], which does not broadcast with [N, 64, 56, 56]", "axis 1"],
      help: "equal or one of them 1"),
    ShapeErrorCase(
      OpCall(op, [:], TensorType([n, t, 8]), TensorType([n, 8])), .rankMismatch, input: 1,
      mentions: ["input 1 has shape [N, 8], which has rank 2, not 3 as [N, T, 8]"]),
    ShapeErrorCase(
      OpCall(op, [:], TensorType([n, 4])), .wrongInputCount, mentions: ["needs two inputs, or one and a `scalar`"]),
  ]
}

@Suite struct MergeOpsTests {
  @Test(arguments: shapeCases)
  func outputShapesAndFlops(call: OpCall, output: TensorType, flops: Dim) throws {
    try expectParameterlessInference(call, output: output, flops: flops)
  }

  @Test(arguments: concatErrors + elementwiseErrors)
  func shapeErrors(_ expected: ShapeErrorCase) {
    expectShapeError(expected)
  }

  /// Broadcasting: symbolic sizes match themselves, size-1 axes stretch
  /// (squeeze-and-excitation's channel scale), and both inputs may stretch.
  @Test func broadcastShapes() throws {
    let excitation = OpCall(Multiply.self, [:], TensorType([n, 8, 6, 6]), TensorType([n, 8, 1, 1]))
    #expect(try excitation.infer().outputs == [TensorType([n, 8, 6, 6])])
    let both = OpCall(Subtract.self, [:], TensorType([n, 1, t]), TensorType([n, 3, 1]))
    #expect(try both.infer().outputs == [TensorType([n, 3, t])])
  }

  @Test func schemas() {
    for op: any Operator.Type in [Concat.self, Add.self, Multiply.self, Subtract.self, Divide.self] {
      #expect(op.schema.category == .merge)
    }
    #expect(Concat.schema.inputs == .atLeast(2) && Add.schema.inputs == .atLeast(1))
    #expect(Subtract.schema.inputs == .between(1, 2) && Multiply.schema.primary == "scalar")
    #expect(Concat(Attributes(Concat.schema)).axis == 1 && Concat.schema.primary == "axis")
  }
}
