import NetSpecKernels

/// Sigmoid linear unit (swish): x * sigmoid(x), as PyTorch's `nn.SiLU`.
public struct SiLU: Operator {
  public static let schema = OpSchema(
    name: "silu", category: .activation, summary: "Sigmoid linear unit (swish): x * sigmoid(x).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // The sigmoid's exp, add and divide (and a negate), then a multiply.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension SiLU: ElementwiseActivation {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: ActivationKernel { .silu }
}

extension SiLU: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.silu(\(layer.x))" }
}

extension SiLU: ONNXExportable {
  /// `x * Sigmoid(x)`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let sigmoid = onnx.temporary("sigmoid")
    onnx.add("Sigmoid", onnx.inputs, [sigmoid])
    onnx.add("Mul", [onnx.inputs[0], sigmoid], onnx.outputs)
  }
}
