import NetSpecDiagnostics
import NetSpecKernels

/// Transposed 1-D convolution over `[N, C, L]` (PyTorch's `ConvTranspose1d`):
/// ``TransposedConvolutionKernels`` with a height of 1.
public struct ConvTranspose1D: Operator {
  public static let schema = OpSchema(
    name: "conv_transpose1d", category: .layer,
    summary: "Transposed 1-D convolution over [N, C, L] inputs (upsampling).",
    attributes: ConvolutionWindow.attributes(
      spatialRank: 1, transposed: true,
      padding: [
        .default("padding", .int(0...4096), .int(0), "positions removed from each end of the full output"),
        .default(
          "output_padding", .int(0...4096), .int(0),
          "positions added after the last window (below the stride or the dilation)"),
      ]))

  /// Kernel, stride and dilation, of height 1; the paddings of height 0.
  public let window: ConvolutionWindow
  public let filters: Int
  public let padding: (Int, Int)
  public let outputPadding: (Int, Int)
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    window = ConvolutionWindow(attributes, spatialRank: 1)
    (padding, outputPadding) = Self.paddingAttributes(attributes, spatialRank: 1)
    (filters, groups, bias, activation) = Self.channelAttributes(attributes)
  }
}

extension ConvTranspose1D: TransposedConvolution {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(2), "stride": .int(2)], inputs: [.batch(2, 4)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "output_padding": .int(1),
        "groups": .int(2), "activation": .string("tanh"),
      ], inputs: [.batch(2, 5)]),
    OpExample(
      [
        "filters": .int(2), "kernel": .int(3), "dilation": .int(2), "bias": .bool(false), "activation": .string("gelu"),
      ],
      inputs: [.batch(3, 4)]),
  ]
}

extension ConvTranspose1D: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { transposedModule(layer) }
}

extension ConvTranspose1D: ONNXExportable {}
