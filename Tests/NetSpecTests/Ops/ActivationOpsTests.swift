import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// Each new activation with its FLOPs per element.
private let activations: [(any Operator.Type, Int)] = [
  (Sigmoid.self, 4), (Tanh.self, 4), (Softmax.self, 5), (GELU.self, 8), (LeakyReLU.self, 2),
]

/// Every activation on every input shape.
private let activationCases: [(any Operator.Type, Int, TensorType)] = activations.flatMap { op, flops in
  [TensorType([n, 10]), TensorType([n, t, 768]), TensorType([n, 6, 28, 28])].map { (op, flops, $0) }
}

@Suite struct ActivationOpsTests {
  @Test(arguments: activationCases)
  func activationsKeepTheShape(op: any Operator.Type, perElement: Int, input: TensorType) throws {
    let inference = try OpCall(op, [:], input).infer()
    #expect(inference.outputs == [input])
    #expect(inference.flops == input.shape.elementCount!.scaled(perElement))
    #expect(inference.parameters.isEmpty && inference.buffers.isEmpty)
    #expect(op.schema.category == .activation)
  }

  @Test(arguments: activations.map(\.0))
  func activationsRejectIntegers(op: any Operator.Type) {
    expectShapeError(
      ShapeErrorCase(
        OpCall(op, [:], TensorType([n, t], .int32)), .shapeMismatch, input: 0,
        mentions: ["expected float32", "got int32 [N, T]"], help: "embedding"))
  }

  @Test(arguments: [(-1, 2), (1, 1), (0, 0), (-3, 0), (-2, 1)])
  func softmaxTakesAnyExistingAxis(axis: Int, resolved: Int) throws {
    let input = TensorType([n, t, 10])
    let inference = try OpCall(Softmax.self, ["axis": .int(axis)], input).infer()
    #expect(inference.outputs == [input])
    #expect(try ShapeRules.axis(axis, of: input, attribute: "axis") == resolved)
  }

  @Test(arguments: [
    ShapeErrorCase(
      OpCall(Softmax.self, ["axis": .int(2)], TensorType([n, 10])), .valueOutOfRange, input: 0,
      attribute: "axis", mentions: ["axis 2 does not exist in the rank-2 input [N, 10]"], help: "-2...1"),
    ShapeErrorCase(
      OpCall(Softmax.self, ["axis": .int(-3)], TensorType([n, 10])), .valueOutOfRange, input: 0,
      attribute: "axis", mentions: ["axis -3", "rank-2 input [N, 10]"], help: "-2...1"),
    ShapeErrorCase(
      OpCall(Softmax.self, [:], TensorType([])), .valueOutOfRange, input: 0, attribute: "axis",
      mentions: ["axis -1", "rank-0 input []"], help: "scalar has no axes"),
  ])
  func softmaxAxisErrors(_ expected: ShapeErrorCase) {
    expectShapeError(expected)
  }

  @Test func attributesAndDefaults() {
    #expect(Softmax(Attributes(Softmax.schema)).axis == -1)
    #expect(GELU(Attributes(GELU.schema)).approximate == .tanh)
    #expect(GELU(Attributes(GELU.schema, ["approximate": .string("none")])).approximate == .exact)
    #expect(GELU.Approximation.allCases.map(\.rawValue) == ["none", "tanh"])
    #expect(LeakyReLU(Attributes(LeakyReLU.schema)).slope == 0.01)
    #expect(LeakyReLU(Attributes(LeakyReLU.schema, ["slope": .float(0.2)])).slope == 0.2)
    #expect(Softmax.schema.primary == "axis" && GELU.schema.primary == "approximate")
    #expect(LeakyReLU.schema.primary == "slope")
    #expect(Sigmoid.schema.attributes.isEmpty && Tanh.schema.attributes.isEmpty)
  }
}
