/// Batch normalization over the channel axis 1 of `[N, C, ...]` (PyTorch's
/// `BatchNorm1d`/`2d`): per channel, normalize by the batch statistics while
/// training and by the running statistics at inference, then scale and shift.
public struct BatchNorm: Operator {
  public static let schema = OpSchema(
    name: "batchnorm", category: .normalization,
    summary: "Batch normalization over the channel axis 1 of [N, C, ...] inputs.",
    attributes: [
      .default(
        "momentum", .float(0...1), .float(0.1),
        "weight of the new batch in the running statistics (PyTorch's convention)"),
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root"),
    ])

  public let momentum: Double
  public let eps: Double

  public init(_ attributes: Attributes) {
    momentum = attributes.float("momentum")
    eps = attributes.float("eps")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, C, ...]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    return Inference(
      outputs: [x],
      parameters: [
        ParameterSpec("weight", [channels], .ones), ParameterSpec("bias", [channels], .zeros),
      ],
      buffers: [
        ParameterSpec("running_mean", [channels], .zeros),
        ParameterSpec("running_var", [channels], .ones),
      ],
      // subtract the mean, multiply by 1/std, scale and shift.
      flops: ShapeRules.flops(x, perElement: 4))
  }
}
