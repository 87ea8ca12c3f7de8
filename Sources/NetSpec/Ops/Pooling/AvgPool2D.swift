import NetSpecKernels

/// 2-D average pooling over `[N, C, H, W]` (PyTorch's `AvgPool2d`): padded
/// positions are zeros and, with `count_include_pad` (the default), count in the
/// divisor, which is then always the kernel area.
public struct AvgPool2D: Operator {
  public static let schema = OpSchema(
    name: "avgpool2d", category: .pooling, summary: "2-D average pooling over [N, C, H, W] inputs.",
    attributes: averageAttributes(spatialRank: 2), primary: "kernel")

  public let window: PoolingWindow
  public let countIncludePad: Bool

  public init(_ attributes: Attributes) {
    window = PoolingWindow(attributes, spatialRank: 2)
    countIncludePad = attributes.bool("count_include_pad")
  }
}

extension AvgPool2D: AveragePlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 4, 4)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 5, 5)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "count_include_pad": .bool(false)],
      inputs: [.batch(2, 5, 6)]),
    OpExample(["kernel": .int(3), "stride": .int(1)], inputs: [.batch(1, 4, 5)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "ceil_mode": .bool(true)], inputs: [.batch(2, 6, 5)]),
  ]
}

extension AvgPool2D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { torchPooling(layer) }
}

extension AvgPool2D: ONNXExportable {}
