import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")
private let c = Dim.symbol("C")
private let big = Dim(1 << 30)

/// Calls that succeed with their output (shape ops move no data: no FLOPs).
private let shapeCases: [(OpCall, TensorType)] = [
  // LeNet: [N, 16, 5, 5] -> [N, 400].
  (OpCall(Flatten.self, [:], TensorType([n, 16, 5, 5])), TensorType([n, 400])),
  (OpCall(Flatten.self, ["start_axis": .int(-2)], TensorType([n, t, 4, 4])), TensorType([n, t, 16])),
  (OpCall(Flatten.self, [:], TensorType([n, c, 2])), TensorType([n, c.scaled(2)!])),
  (OpCall(Flatten.self, ["start_axis": .int(0)], TensorType([n, 4])), TensorType([n.scaled(4)!])),
  (OpCall(Flatten.self, ["start_axis": .int(2)], TensorType([n, t, 8])), TensorType([n, t, 8])),
  (OpCall(Flatten.self, [:], TensorType([n, t, 2], .int32)), TensorType([n, t.scaled(2)!], .int32)),
  (
    OpCall(Reshape.self, ["shape": specList(.int(16), .int(5), .int(5))], TensorType([n, 400])),
    TensorType([n, 16, 5, 5])
  ),
  (OpCall(Reshape.self, ["shape": specList(.int(-1))], TensorType([n, 16, 5, 5])), TensorType([n, 400])),
  (
    OpCall(Reshape.self, ["shape": specList(.string("T"), .int(8), .int(8))], TensorType([n, t, 64])),
    TensorType([n, t, 8, 8])
  ),
  (
    OpCall(Reshape.self, ["shape": specList(.int(-1), .int(8), .int(8))], TensorType([n, t, 64])),
    TensorType([n, t, 8, 8])
  ),
  (
    OpCall(Reshape.self, ["shape": specList(.string("T"), .int(4), .int(-1))], TensorType([n, t, 64])),
    TensorType([n, t, 4, 16])
  ),
  (OpCall(Reshape.self, ["shape": specList(.int(-1))], TensorType([n, t, 3])), TensorType([n, t.scaled(3)!])),
  (
    OpCall(Reshape.self, ["shape": specList(.string("T"), .string("C"))], TensorType([n, c, t])), TensorType([n, t, c])
  ),
  (OpCall(Reshape.self, ["shape": specList()], TensorType([n, 1, 1])), TensorType([n])),
  (
    OpCall(Reshape.self, ["shape": specList(.int(2), .int(-1))], TensorType([n, t, 4], .int32)),
    TensorType([n, 2, t.scaled(2)!], .int32)
  ),
  (
    OpCall(Transpose.self, ["perm": specList(.int(0), .int(2), .int(1))], TensorType([n, t, 64])),
    TensorType([n, 64, t])
  ),
  (
    OpCall(Transpose.self, ["perm": specList(.int(0), .int(2), .int(3), .int(1))], TensorType([n, c, 5, 7])),
    TensorType([n, 5, 7, c])
  ),
  // Time-major for a recurrent kernel: the batch axis may move.
  (
    OpCall(Transpose.self, ["perm": specList(.int(1), .int(0), .int(2))], TensorType([n, t, 8], .int32)),
    TensorType([t, n, 8], .int32)
  ),
]

private let errorCases: [ShapeErrorCase] = [
  ShapeErrorCase(
    OpCall(Flatten.self, ["start_axis": .int(2)], TensorType([n, 400])), .valueOutOfRange, input: 0,
    attribute: "start_axis", mentions: ["start_axis 2", "rank-2 input [N, 400]"], help: "-2...1"),
  ShapeErrorCase(
    OpCall(Flatten.self, ["start_axis": .int(-3)], TensorType([n, 400])), .valueOutOfRange, input: 0,
    attribute: "start_axis", mentions: ["start_axis -3", "rank-2 input [N, 400]"], help: "-2...1"),
  ShapeErrorCase(
    OpCall(Flatten.self, [:], TensorType([])), .valueOutOfRange, input: 0, attribute: "start_axis",
    mentions: ["start_axis 1", "rank-0 input []"], help: "scalar has no axes"),
  ShapeErrorCase(
    OpCall(Flatten.self, [:], TensorType([n, big, big])), .dimensionOverflow,
    mentions: ["flattened size overflows", "1073741824x1073741824"]),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(-1))], TensorType([])), .rankMismatch, input: 0,
    mentions: ["rank >= 1 [N, ...]", "got []"]),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(0), .int(4))], TensorType([n, 4])), .badShape,
    attribute: "shape", mentions: ["shape [0, 4]", "size 0"], help: "sizes >= 1"),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(-2), .int(-2))], TensorType([n, 4])), .badShape,
    attribute: "shape", mentions: ["shape [-2, -2]", "size -2"], help: "sizes >= 1"),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(-1), .int(4), .int(-1))], TensorType([n, 16])), .badShape,
    attribute: "shape", mentions: ["shape [-1, 4, -1]", "more than one -1"], help: "only one size"),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(300))], TensorType([n, 400])), .shapeMismatch, input: 0,
    attribute: "shape",
    mentions: ["cannot reshape [N, 400] (400 values per sample) into [N, 300] (300 values per sample)"],
    help: "400 values per sample"),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(8), .int(8))], TensorType([n, t, 64])), .shapeMismatch,
    input: 0, attribute: "shape",
    mentions: ["[N, T, 64] (64*T values per sample) into [N, 8, 8] (64 values per sample)"]),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(3), .int(-1))], TensorType([n, 400])), .shapeMismatch,
    input: 0, attribute: "shape",
    mentions: ["[N, 400] (400 values per sample) into [N, 3, -1]", "400 is not divisible by 3"],
    help: "divide 400"),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.string("T"), .int(-1))], TensorType([n, 400])), .shapeMismatch,
    input: 0, attribute: "shape", mentions: ["into [N, T, -1]", "400 is not divisible by T"]),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(-1))], TensorType([n, big, big])), .dimensionOverflow,
    mentions: ["input size per sample overflows"]),
  ShapeErrorCase(
    OpCall(Reshape.self, ["shape": specList(.int(1 << 30), .int(1 << 30))], TensorType([n, 4])),
    .dimensionOverflow, mentions: ["target size per sample overflows"]),
  ShapeErrorCase(
    OpCall(Transpose.self, ["perm": specList(.int(0), .int(1))], TensorType([n, t, 8])), .valueOutOfRange,
    input: 0, attribute: "perm", mentions: ["perm [0, 1] lists 2 axes", "[N, T, 8] has rank 3"],
    help: "[0, 1, 2] exactly once"),
  ShapeErrorCase(
    OpCall(Transpose.self, ["perm": specList(.int(0), .int(1), .int(1))], TensorType([n, t, 8])),
    .valueOutOfRange, input: 0, attribute: "perm",
    mentions: ["perm [0, 1, 1] is not a permutation of the axes 0...2", "[N, T, 8]"]),
  ShapeErrorCase(
    OpCall(Transpose.self, ["perm": specList(.int(0), .int(-1), .int(1))], TensorType([n, t, 8])),
    .valueOutOfRange, input: 0, attribute: "perm", mentions: ["perm [0, -1, 1] is not a permutation"]),
  ShapeErrorCase(
    OpCall(Transpose.self, ["perm": specList(.int(0), .int(3), .int(1))], TensorType([n, t, 8])),
    .valueOutOfRange, input: 0, attribute: "perm", mentions: ["perm [0, 3, 1] is not a permutation"]),
]

@Suite struct ShapeOpsTests {
  @Test(arguments: shapeCases)
  func outputShapes(call: OpCall, output: TensorType) throws {
    try expectParameterlessInference(call, output: output, flops: 0)
  }

  @Test(arguments: errorCases)
  func shapeErrors(_ expected: ShapeErrorCase) {
    expectShapeError(expected)
  }

  @Test func reshapeDecodesItsEntries() {
    let op = Reshape(Attributes(Reshape.schema, ["shape": specList(.string("T"), .int(-1), .int(4))]))
    #expect(op.shape == [.symbol("T"), .inferred, .size(4)])
    #expect(op.shape.map(\.description) == ["T", "-1", "4"])
  }

  @Test func defaultsAndPrimaries() {
    #expect(Flatten(Attributes(Flatten.schema)).startAxis == 1)
    #expect(Flatten.schema.primary == "start_axis")
    #expect(Reshape.schema.primary == "shape" && Transpose.schema.primary == "perm")
    #expect(Transpose(Attributes(Transpose.schema, ["perm": specList(.int(0), .int(2), .int(1))])).perm == [0, 2, 1])
  }
}
