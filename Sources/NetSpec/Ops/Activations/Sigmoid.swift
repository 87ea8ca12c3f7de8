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

extension Sigmoid: ElementwiseActivation {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: ActivationKernel { .sigmoid }
}

extension Sigmoid: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.sigmoid(\(layer.x))" }
}

extension Sigmoid: ONNXExportable {
  /// `Sigmoid`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Sigmoid", onnx.inputs, onnx.outputs)
  }
}
