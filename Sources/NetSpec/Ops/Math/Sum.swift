import NetSpecKernels

/// The sum over `axes` (PyTorch's `torch.sum(x, dim, keepdim)`).
public struct Sum: Operator {
  public static let schema = OpSchema(
    name: "sum", category: .math, summary: "Sum over axes (PyTorch's torch.sum with dim and keepdim).",
    attributes: reductionAttributes("sum"), primary: "axes")

  public let axes: [Int]
  public let keepdims: Bool

  public init(_ attributes: Attributes) {
    axes = attributes.ints("axes")
    keepdims = attributes.bool("keepdims")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferReduction(inputs)
  }
}

extension Sum: LinearReduction {
  public static let examples = scaledSumExamples

  /// Each element counts once.
  func scale(_ shapes: OpShapes) -> Float { 1 }
}

extension Sum: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "torch.sum(\(layer.x), dim=\(torchDims(layer)), keepdim=\(keepdims ? "True" : "False"))"
  }
}

extension Sum: ONNXExportable {
  /// `ReduceSum`, whose axes are an input since opset 13.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let axes = onnx.int64s("axes", resolvedAxes(rank: onnx.inputTypes[0].rank))
    onnx.add("ReduceSum", [onnx.inputs[0], axes], onnx.outputs, [.int("keepdims", keepdims ? 1 : 0)])
  }
}
