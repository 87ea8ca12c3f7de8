import NetSpecDiagnostics
import NetSpecKernels

/// Transposed 2-D convolution over `[N, C, H, W]` (PyTorch's `ConvTranspose2d`,
/// the adjoint of `conv2d`): each input value scatters its kernel-sized patch
/// onto the output, `stride` apart, so a stride of 2 doubles the height and
/// the width (the upsampling of U-Net and of decoders).
public struct ConvTranspose2D: Operator {
  public static let schema = OpSchema(
    name: "conv_transpose2d", category: .layer,
    summary: "Transposed 2-D convolution over [N, C, H, W] inputs (upsampling).",
    attributes: ConvolutionWindow.attributes(
      spatialRank: 2, transposed: true,
      padding: [
        .default(
          "padding", .pair(0...4096), .int(0),
          "rows and columns removed from each side of the full output: p or [ph, pw]"),
        .default(
          "output_padding", .pair(0...4096), .int(0),
          "rows and columns added after the last window (below the stride or the dilation)"),
      ]))

  /// Kernel, stride and dilation per axis.
  public let window: ConvolutionWindow
  public let filters: Int
  public let padding: (Int, Int)
  public let outputPadding: (Int, Int)
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    window = ConvolutionWindow(attributes, spatialRank: 2)
    (padding, outputPadding) = Self.paddingAttributes(attributes, spatialRank: 2)
    (filters, groups, bias, activation) = Self.channelAttributes(attributes)
  }
}

extension ConvTranspose2D: TransposedConvolution {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(2), "stride": .int(2)], inputs: [.batch(2, 3, 4)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "output_padding": .int(1),
        "activation": .string("sigmoid"),
      ], inputs: [.batch(2, 3, 3)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .exampleInts([3, 2]), "dilation": .int(2), "padding": .exampleInts([1, 0]),
        "groups": .int(2), "bias": .bool(false), "activation": .string("gelu"),
      ], inputs: [.batch(4, 3, 4)]),
    OpExample(
      ["filters": .int(2), "kernel": .int(3), "stride": .exampleInts([1, 2]), "activation": .string("tanh")],
      inputs: [.batch(3, 2, 3)]),
  ]
}

extension ConvTranspose2D: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { transposedModule(layer) }
}

extension ConvTranspose2D: ONNXExportable {}
