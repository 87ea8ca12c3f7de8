import NetSpecKernels

/// Rectified linear unit: max(x, 0).
public struct ReLU: Operator {
  public static let schema = OpSchema(
    name: "relu", category: .activation, summary: "Rectified linear unit: max(x, 0).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 1))
  }
}

extension ReLU: ExecutableOperator {
  public static let examples = [OpExample(inputs: [.batch(3, 4)], avoidZero: true)]
  public var backwardReads: BackwardReads { .outputsOnly }

  public func forward(_ k: Kernel) {
    ActivationKernel.relu.forward(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    ActivationKernel.relu.backward(
      input: nil, output: k.outputs[0], k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0),
      accumulate: k.accumulateInput[0])
  }
}
