/// Inverted dropout: while training, zeroes each element with probability `rate`
/// and scales the rest by 1 / (1 - rate); the identity at inference.
public struct Dropout: Operator {
  public static let schema = OpSchema(
    name: "dropout", category: .regularization,
    summary: "Zeroes elements with probability rate while training (scaling the rest).",
    attributes: [
      .default("rate", .float(0...1, exclusiveUpper: true), .float(0.5), "probability of zeroing an element")
    ],
    primary: "rate")

  public let rate: Double

  public init(_ attributes: Attributes) {
    rate = attributes.float("rate")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // Draw, compare and scale while training.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 2))
  }
}
