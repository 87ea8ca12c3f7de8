/// Local response normalization across channels (AlexNet; PyTorch's
/// `LocalResponseNorm`): `b_c = a_c / (k + alpha / size * sum a_c'^2)^beta`, the
/// sum over the `size` channels centred on `c` (zero beyond the edges).
public struct LocalResponseNorm: Operator {
  public static let schema = OpSchema(
    name: "lrn", category: .normalization,
    summary: "Local response normalization across neighbouring channels (AlexNet).",
    attributes: [
      .required("size", .int(1...4096), "number of neighbouring channels summed over"),
      .default("alpha", .float(0...1000), .float(1e-4), "scale of the sum of squares"),
      .default("beta", .float(0...1000), .float(0.75), "exponent of the divisor"),
      .default("k", .float(0...1000), .float(1), "constant added to the divisor"),
    ],
    primary: "size")

  public let size: Int
  public let alpha: Double
  public let beta: Double
  public let k: Double

  public init(_ attributes: Attributes) {
    size = attributes.int("size")
    alpha = attributes.float("alpha")
    beta = attributes.float("beta")
    k = attributes.float("k")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 3, layout: "[N, C, ...]")
    // square, a window sum of `size`, scale, power and divide.
    return Inference(outputs: [x], flops: ShapeRules.flops(x, perElement: size + 4))
  }
}
