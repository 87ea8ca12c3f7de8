import NetSpecKernels

/// 2-D max pooling over `[N, C, H, W]` (PyTorch's `MaxPool2d`): padded positions
/// count as -infinity, so they never win the maximum.
public struct MaxPool2D: Operator {
  public static let schema = OpSchema(
    name: "maxpool2d", category: .pooling, summary: "2-D max pooling over [N, C, H, W] inputs.",
    attributes: PoolingWindow.attributes(spatialRank: 2, fill: "-infinity"), primary: "kernel")

  public let window: PoolingWindow

  public init(_ attributes: Attributes) {
    window = PoolingWindow(attributes, spatialRank: 2)
  }
}

extension MaxPool2D: MaxPlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 4, 4)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 5, 5)]),
    OpExample(["kernel": .int(3), "stride": .int(1)], inputs: [.batch(1, 4, 5)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "ceil_mode": .bool(true)], inputs: [.batch(1, 6, 4)]),
  ]
}

extension MaxPool2D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { torchPooling(layer) }
}

extension MaxPool2D: ONNXExportable {}
