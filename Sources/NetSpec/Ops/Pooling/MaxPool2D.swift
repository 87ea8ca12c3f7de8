/// 2-D max pooling over `[N, C, H, W]` (PyTorch's `MaxPool2d`): padded positions
/// count as -infinity, so they never win the maximum.
public struct MaxPool2D: Operator {
  public static let schema = OpSchema(
    name: "maxpool2d", category: .pooling,
    summary: "2-D max pooling over [N, C, H, W] inputs.",
    attributes: [
      .required("kernel", .pair(1...4096), "window size: k or [kh, kw]"),
      .optional("stride", .pair(1...4096), "step between windows: s or [sh, sw]; defaults to the kernel"),
      .default("padding", .pair(0...4096), .int(0), "-infinity padding per side (at most kernel / 2)"),
    ],
    primary: "kernel")

  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)

  public init(_ attributes: Attributes) {
    kernel = attributes.pair("kernel")
    stride = attributes.has("stride") ? attributes.pair("stride") : kernel
    padding = attributes.pair("padding")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let output = try ShapeRules.pool2D(inputs[0], kernel: kernel, stride: stride, padding: padding)
    return Inference(
      outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.0 * kernel.1))
  }
}
