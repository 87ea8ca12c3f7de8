/// Elementwise sum of two or more inputs of identical shape (residual connections).
public struct Add: Operator {
  public static let schema = OpSchema(
    name: "add", category: .merge,
    summary: "Elementwise sum of inputs with identical shapes.",
    inputs: .atLeast(2))

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    try ShapeRules.requireSameShape(
      inputs,
      help: "every input must have the same shape; where a residual block changes the shape, "
        + "project its shortcut (a 1x1 `conv2d` with the block's stride and filters)")
    return Inference(
      outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: inputs.count - 1))
  }
}
