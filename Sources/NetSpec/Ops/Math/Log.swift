import NetSpecKernels

/// Element-wise natural logarithm (PyTorch's `torch.log`; NaN below 0, -inf at 0).
public struct Log: Operator {
  public static let schema = OpSchema(
    name: "log", category: .math,
    summary: "Element-wise natural logarithm (PyTorch's `torch.log`; NaN below 0, -inf at 0).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferUnary(inputs, flopsPerElement: 1)
  }
}

extension Log: UnaryMath {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], positive: true), OpExample(inputs: [.batch(2, 2, 3)], positive: true),
  ]

  var kernel: UnaryMathKernel { .log }
}

extension Log: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.log(\(layer.x))" }
}

extension Log: ONNXExportable {
  /// `Log`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Log", onnx.inputs, onnx.outputs)
  }
}
