import NetSpecKernels

/// The mean over `axes` (PyTorch's `torch.mean(x, dim, keepdim)`).
public struct Mean: Operator {
  public static let schema = reductionSchema(
    "mean", summary: "Mean over axes (PyTorch's torch.mean with dim and keepdim).",
    what: "average")

  public let axes: [Int]
  public let keepdims: Bool
}

extension Mean: LinearReduction {
  public static let examples = scaledSumExamples

  /// 1 / the number of elements each output element averages.
  func scale(_ shapes: OpShapes) -> Float { 1 / Float(reducedCount(shapes)) }
}

extension Mean: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    torchReduction("torch.mean", layer)
  }
}

extension Mean: ONNXExportable {
  /// `ReduceMean` with its `axes` attribute (opset 17).
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportReduction(onnx, "ReduceMean", rank: onnx.inputTypes[0].rank)
  }
}
