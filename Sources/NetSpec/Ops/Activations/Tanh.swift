import NetSpecKernels

/// Hyperbolic tangent.
public struct Tanh: Operator {
  public static let schema = OpSchema(
    name: "tanh", category: .activation, summary: "Hyperbolic tangent: tanh(x).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // One exp, two adds and a divide: (e^2x - 1) / (e^2x + 1).
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 4))
  }
}

extension Tanh: ExecutableOperator {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]
  /// dx = dy * (1 - y^2) needs only the output.
  public var backwardReads: BackwardReads { .outputsOnly }

  public func forward(_ k: Kernel) {
    ActivationKernel.tanh.forward(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    ActivationKernel.tanh.backward(
      input: nil, output: k.outputs[0], k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0),
      accumulate: k.accumulateInput[0])
  }
}
