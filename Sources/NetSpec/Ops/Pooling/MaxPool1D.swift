import NetSpecKernels

/// 1-D max pooling over `[N, C, L]` (PyTorch's `MaxPool1d`): the max pooling
/// kernels of ``PoolingGeometry`` on planes of height 1.
public struct MaxPool1D: Operator {
  public static let schema = OpSchema(
    name: "maxpool1d", category: .pooling, summary: "1-D max pooling over [N, C, L] inputs.",
    attributes: PoolingWindow.attributes(spatialRank: 1, fill: "-infinity"), primary: "kernel")

  public let window: PoolingWindow

  public init(_ attributes: Attributes) {
    window = PoolingWindow(attributes, spatialRank: 1)
  }
}

extension MaxPool1D: MaxPlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 5)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 7)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "ceil_mode": .bool(true)], inputs: [.batch(2, 4)]),
  ]
}

extension MaxPool1D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { torchPooling(layer) }
}

extension MaxPool1D: ONNXExportable {}
