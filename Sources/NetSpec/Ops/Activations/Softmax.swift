/// Softmax along `axis`: exp(x - max) / sum(exp(x - max)), computed stably.
public struct Softmax: Operator {
  public static let schema = OpSchema(
    name: "softmax", category: .activation,
    summary: "Softmax along an axis (the last by default): exp(x) / sum(exp(x)).",
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(-1),
        "axis to normalize over (negative counts from the end)")
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    _ = try ShapeRules.axis(axis, of: inputs[0], attribute: "axis")
    // max, subtract, exp, sum, divide.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}
