/// Global average pooling: the mean of each channel over all positions,
/// `[N, C, H, W]` -> `[N, C]` (PyTorch's `AdaptiveAvgPool2d(1)` plus `flatten`).
public struct GlobalAvgPool: Operator {
  public static let schema = OpSchema(
    name: "global_avgpool", category: .pooling,
    summary: "Mean over all positions of each channel: [N, C, H, W] -> [N, C].")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    return Inference(
      outputs: [TensorType([x.shape[0], x.shape[1]])], flops: ShapeRules.flops(x, perElement: 1))
  }
}
