import NetSpecKernels

/// Element-wise square x * x (PyTorch's `torch.square`).
public struct Square: Operator {
  public static let schema = OpSchema(
    name: "square", category: .math, summary: "Element-wise square x * x (PyTorch's `torch.square`).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferUnary(inputs, flopsPerElement: 1)
  }
}

extension Square: UnaryMath {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: UnaryMathKernel { .square }
}

extension Square: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.square(\(layer.x))" }
}

extension Square: ONNXExportable {
  /// `Mul` of the input with itself.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Mul", [onnx.inputs[0], onnx.inputs[0]], onnx.outputs)
  }
}
