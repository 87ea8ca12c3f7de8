/// A learned lookup table from token ids to vectors: int32 `[N, ...]` ids become
/// float `[N, ..., dim]`. Weight layout `[vocab, dim]` (as PyTorch's
/// `nn.Embedding`), so it can be tied to a `dense` output layer of `vocab` units.
public struct Embedding: Operator {
  public static let schema = OpSchema(
    name: "embedding", category: .embedding,
    summary: "Looks up a learned vector for each integer token id: [N, ...] -> [N, ..., dim].",
    attributes: [
      .required("vocab", .int(1...Dim.limit), "number of distinct token ids (ids are 0..<vocab)"),
      .required("dim", .int(1...Dim.limit), "size of each embedding vector"),
      .default(
        "scale", .bool, .bool(false),
        "multiply the vectors by sqrt(dim), as in the Transformer paper"),
    ])

  public let vocab: Int
  public let dim: Int
  public let scale: Bool

  public init(_ attributes: Attributes) {
    vocab = attributes.int("vocab")
    dim = attributes.int("dim")
    scale = attributes.bool("scale")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let ids = inputs[0]
    guard ids.dtype == .int32 else {
      throw ShapeError(
        .shapeMismatch,
        "expected int32 token ids, got \(ids.dtype.rawValue) \(ids.shape.shapeDescription)",
        input: 0, help: "token ids must be integers; declare the input with `dtype: int32`")
    }
    try ShapeRules.requireRank(ids, atLeast: 1, layout: "[N, ...]")
    _ = try ShapeRules.parameterCount([vocab, dim])
    let output = TensorType(ids.shape + [Dim(dim)])
    return Inference(
      outputs: [output],
      parameters: [ParameterSpec("weight", [vocab, dim], .normal(std: 1))],
      flops: scale ? ShapeRules.flops(output, perElement: 1) : 0)
  }
}
