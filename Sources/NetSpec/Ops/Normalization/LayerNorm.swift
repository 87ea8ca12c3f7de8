/// Layer normalization over the last axis (PyTorch's `LayerNorm(D)`): each
/// `[..., D]` vector is normalized to zero mean and unit variance, then scaled
/// and shifted per feature.
public struct LayerNorm: Operator {
  public static let schema = OpSchema(
    name: "layernorm", category: .normalization,
    summary: "Layer normalization over the last axis, with a learned scale and shift.",
    attributes: [
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root")
    ])

  public let eps: Double

  public init(_ attributes: Attributes) {
    eps = attributes.float("eps")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    return Inference(
      outputs: [x],
      parameters: [
        ParameterSpec("weight", [features], .ones), ParameterSpec("bias", [features], .zeros),
      ],
      // mean, variance (subtract, square, sum), normalize, scale and shift.
      flops: ShapeRules.flops(x, perElement: 8))
  }
}
