/// Elementwise product of two or more inputs of identical shape (gating).
public struct Multiply: Operator {
  public static let schema = OpSchema(
    name: "multiply", category: .merge,
    summary: "Elementwise product of inputs with identical shapes.",
    inputs: .atLeast(2))

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    try ShapeRules.requireSameShape(inputs, help: "every input must have the same shape")
    return Inference(
      outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: inputs.count - 1))
  }
}
