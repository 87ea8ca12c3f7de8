import NetSpecKernels

/// Leaky rectified linear unit: x for x >= 0, slope * x below.
public struct LeakyReLU: Operator {
  public static let schema = OpSchema(
    name: "leaky_relu", category: .activation,
    summary: "Leaky ReLU: x for x >= 0, slope * x otherwise.",
    attributes: [
      .default("slope", .float(0...1), .float(0.01), "multiplier for negative inputs")
    ],
    primary: "slope")

  public let slope: Double

  public init(_ attributes: Attributes) {
    slope = attributes.float("slope")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // compare and multiply.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 2))
  }
}

extension LeakyReLU: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], avoidZero: true),
    OpExample(["slope": .float(0.2)], inputs: [.batch(2, 3, 2)], avoidZero: true),
  ]
  /// The derivative (1 or slope) depends on the input's sign.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// The shared element-wise kernel for this slope.
  var kernel: ActivationKernel { .leakyReLU(slope: Float(slope)) }

  public func forward(_ k: Kernel) {
    kernel.forward(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    kernel.backward(
      input: k.inputs[0], output: nil, k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0),
      accumulate: k.accumulateInput[0])
  }
}
