import NetSpecKernels

/// Element-wise absolute value (PyTorch's `torch.abs`; gradient 0 at 0).
public struct Abs: Operator {
  public static let schema = OpSchema(
    name: "abs", category: .math, summary: "Element-wise absolute value (PyTorch's `torch.abs`; gradient 0 at 0).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferUnary(inputs, flopsPerElement: 1)
  }
}

extension Abs: UnaryMath {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], avoidZero: true), OpExample(inputs: [.batch(2, 2, 3)], avoidZero: true),
  ]

  var kernel: UnaryMathKernel { .abs }
}

extension Abs: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.abs(\(layer.x))" }
}

extension Abs: ONNXExportable {
  /// `Abs`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Abs", onnx.inputs, onnx.outputs)
  }
}
