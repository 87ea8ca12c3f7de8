import NetSpecKernels

/// Element-wise square root (PyTorch's `torch.sqrt`; NaN below 0).
public struct Sqrt: Operator {
  public static let schema = OpSchema(
    name: "sqrt", category: .math, summary: "Element-wise square root (PyTorch's `torch.sqrt`; NaN below 0).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferUnary(inputs, flopsPerElement: 1)
  }
}

extension Sqrt: UnaryMath {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], positive: true), OpExample(inputs: [.batch(2, 2, 3)], positive: true),
  ]

  var kernel: UnaryMathKernel { .sqrt }
}

extension Sqrt: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.sqrt(\(layer.x))" }
}

extension Sqrt: ONNXExportable {
  /// `Sqrt`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Sqrt", onnx.inputs, onnx.outputs)
  }
}
