import NetSpecKernels

/// 1-D average pooling over `[N, C, L]` (PyTorch's `AvgPool1d`): the average
/// pooling kernels of ``PoolingGeometry`` on planes of height 1.
public struct AvgPool1D: Operator {
  public static let schema = OpSchema(
    name: "avgpool1d", category: .pooling, summary: "1-D average pooling over [N, C, L] inputs.",
    attributes: averageAttributes(spatialRank: 1), primary: "kernel")

  public let window: PoolingWindow
  public let countIncludePad: Bool

  public init(_ attributes: Attributes) {
    window = PoolingWindow(attributes, spatialRank: 1)
    countIncludePad = attributes.bool("count_include_pad")
  }
}

extension AvgPool1D: AveragePlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 6)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "count_include_pad": .bool(false)],
      inputs: [.batch(2, 7)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "ceil_mode": .bool(true)], inputs: [.batch(3, 6)]),
  ]
}

extension AvgPool1D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { torchPooling(layer) }
}

extension AvgPool1D: ONNXExportable {}
