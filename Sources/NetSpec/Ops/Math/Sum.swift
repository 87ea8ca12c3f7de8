import NetSpecKernels

/// The sum over `axes` (PyTorch's `torch.sum(x, dim, keepdim)`).
public struct Sum: Operator {
  public static let schema = reductionSchema(
    "sum", summary: "Sum over axes (PyTorch's torch.sum with dim and keepdim).",
    what: "sum")

  public let axes: [Int]
  public let keepdims: Bool
}

extension Sum: LinearReduction {
  public static let examples = scaledSumExamples

  /// Each element counts once.
  func scale(_ shapes: OpShapes) -> Float { 1 }
}

extension Sum: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    torchReduction("torch.sum", layer)
  }
}

extension Sum: ONNXExportable {
  /// `ReduceSum`, whose axes are an input since opset 13.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let axes = onnx.int64s("axes", resolvedAxes(rank: onnx.inputTypes[0].rank))
    onnx.add("ReduceSum", [onnx.inputs[0], axes], onnx.outputs, [.int("keepdims", keepdims ? 1 : 0)])
  }
}
