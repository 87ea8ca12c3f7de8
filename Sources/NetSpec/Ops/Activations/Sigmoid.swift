import NetSpecKernels

/// Logistic sigmoid: 1 / (1 + exp(-x)).
public struct Sigmoid: Operator {
  public static let schema = OpSchema(
    name: "sigmoid", category: .activation, summary: "Logistic sigmoid: 1 / (1 + exp(-x)).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // exp, add, divide (and a negate).
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 4))
  }
}

extension Sigmoid: ExecutableOperator {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]
  /// dx = dy * y * (1 - y) needs only the output.
  public var backwardReads: BackwardReads { .outputsOnly }

  public func forward(_ k: Kernel) {
    ActivationKernel.sigmoid.forward(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    ActivationKernel.sigmoid.backward(
      input: nil, output: k.outputs[0], k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0),
      accumulate: k.accumulateInput[0])
  }
}
