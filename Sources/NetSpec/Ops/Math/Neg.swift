import NetSpecKernels

/// Element-wise negation -x (PyTorch's `torch.neg`).
public struct Neg: Operator {
  public static let schema = OpSchema(
    name: "neg", category: .math, summary: "Element-wise negation -x (PyTorch's `torch.neg`).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferUnary(inputs, flopsPerElement: 1)
  }
}

extension Neg: UnaryMath {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: UnaryMathKernel { .neg }
}

extension Neg: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.neg(\(layer.x))" }
}

extension Neg: ONNXExportable {
  /// `Neg`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Neg", onnx.inputs, onnx.outputs)
  }
}
