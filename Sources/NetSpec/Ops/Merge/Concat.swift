/// Concatenates its inputs along `axis` (PyTorch's `torch.cat`): every other axis
/// must match exactly, the sizes along `axis` add up.
public struct Concat: Operator {
  public static let schema = OpSchema(
    name: "concat", category: .merge,
    summary: "Concatenates inputs along an axis; all other axes must match.",
    inputs: .atLeast(2),
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(1),
        "axis to join along (negative counts from the end); 1 is channels or features")
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    let first = inputs[0]
    let axis = try ShapeRules.axis(self.axis, of: first, attribute: "axis")
    // Input 0's shape with the free axis shown as `*`, e.g. `[N, *, 5, 5]`.
    var pattern = first.shape.map(\.description)
    pattern[axis] = "*"
    var joined = first.shape[axis]
    for (i, x) in inputs.enumerated().dropFirst() {
      let fits =
        x.rank == first.rank
        && x.shape.indices.allSatisfy { $0 == axis || x.shape[$0] == first.shape[$0] }
      guard fits else {
        throw ShapeError(
          x.rank == first.rank ? .shapeMismatch : .rankMismatch,
          "input \(i) has shape \(x.shape.shapeDescription), expected "
            + "[\(pattern.joined(separator: ", "))] to match input 0 "
            + "\(first.shape.shapeDescription) on every axis but axis \(axis)",
          input: i,
          help: "concatenated inputs may differ only along axis \(axis); resize or pool them to match")
      }
      joined = try ShapeRules.add(joined, x.shape[axis])
    }
    var shape = first.shape
    shape[axis] = joined
    return Inference(outputs: [TensorType(shape)])
  }
}
