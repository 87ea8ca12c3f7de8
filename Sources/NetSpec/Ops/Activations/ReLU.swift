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

extension ReLU: ElementwiseActivation {
  public static let examples = [OpExample(inputs: [.batch(3, 4)], avoidZero: true)]

  var kernel: ActivationKernel { .relu }
}

extension ReLU: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.relu(\(layer.x))" }
}

extension ReLU: ONNXExportable {
  /// `Relu`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Relu", onnx.inputs, onnx.outputs)
  }
}
