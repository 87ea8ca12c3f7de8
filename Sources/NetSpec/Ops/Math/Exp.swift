import NetSpecKernels

/// Element-wise exponential e^x (PyTorch's `torch.exp`).
public struct Exp: Operator {
  public static let schema = OpSchema(
    name: "exp", category: .math, summary: "Element-wise exponential e^x (PyTorch's `torch.exp`).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferUnary(inputs, flopsPerElement: 1)
  }
}

extension Exp: UnaryMath {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: UnaryMathKernel { .exp }
}

extension Exp: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.exp(\(layer.x))" }
}

extension Exp: ONNXExportable {
  /// `Exp`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Exp", onnx.inputs, onnx.outputs)
  }
}
