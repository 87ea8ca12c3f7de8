import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// Each new activation with its FLOPs per element.
private let activations: [(any Operator.Type, Int)] = [
  (Sigmoid.self, 4), (Tanh.self, 4), (Softmax.self, 5), (GELU.self, 8), (LeakyReLU.self, 2), (SiLU.self, 5),
  (ReLU6.self, 2), (HardTanh.self, 2), (HardSwish.self, 5), (HardSigmoid.self, 4), (Mish.self, 6),
  (Softplus.self, 5), (ELU.self, 4), (SELU.self, 5),
]

/// Every activation on every input shape.
private let activationCases: [(any Operator.Type, Int, TensorType)] = activations.flatMap { op, flops in
  [TensorType([n, 10]), TensorType([n, t, 768]), TensorType([n, 6, 28, 28])].map { (op, flops, $0) }
}

@Suite struct ActivationOpsTests {
  @Test(arguments: activationCases)
  func activationsKeepTheShape(op: any Operator.Type, perElement: Int, input: TensorType) throws {
    try expectParameterlessInference(
      OpCall(op, [:], input), output: input, flops: input.shape.elementCount!.scaled(perElement))
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
    // PyTorch's defaults.
    let hardtanh = HardTanh(Attributes(HardTanh.schema))
    #expect(hardtanh.minimum == -1 && hardtanh.maximum == 1)
    let softplus = Softplus(Attributes(Softplus.schema))
    #expect(softplus.beta == 1 && softplus.threshold == 20)
    #expect(ELU(Attributes(ELU.schema)).alpha == 1)
    #expect(ELU(Attributes(ELU.schema, ["alpha": .float(0.5)])).alpha == 0.5)
    #expect(ELU.schema.primary == "alpha" && Softplus.schema.primary == "beta")
  }

  @Test func hardtanhBoundsMustBeOrdered() {
    for (low, high) in [(1.0, 1.0), (2.0, -2.0)] {
      expectShapeError(
        ShapeErrorCase(
          OpCall(HardTanh.self, ["min_val": .float(low), "max_val": .float(high)], TensorType([n, 10])),
          .valueOutOfRange, attribute: "max_val", mentions: ["is not above min_val"], help: "greater than min_val"))
    }
  }

  /// A fused `activation: NAME` is the op `NAME` at its defaults, kernel for
  /// kernel, and every element-wise activation op can be fused.
  @Test func fusedActivationsAreTheOpsAtTheirDefaults() throws {
    let fusable = Dictionary(uniqueKeysWithValues: ActivationKernel.fusable.map { ($0.name, $0.kernel) })
    var names: Set<String> = []
    for type in OpRegistry.all {
      guard let op = type as? any ElementwiseActivation.Type else { continue }
      let name = type.schema.name
      names.insert(name)
      let kernel = op.init(Attributes(type.schema)).kernel
      #expect(fusable[name] == kernel, "`activation: \(name)` is not the op at its defaults")
    }
    #expect(Set(fusable.keys) == names)
  }
}
