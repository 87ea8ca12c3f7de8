import NetSpecDiagnostics

/// Multi-head scaled dot-product attention over `[N, T, D]` sequences, as
/// `torch.nn.MultiheadAttention(D, heads, batch_first=True)`.
///
/// With one input it is self-attention; with two, the first is the query and the
/// second the memory `[N, S, D]` supplying keys and values (cross-attention; `S`
/// may differ from `T`). Projections are separate `[D, D]` matrices named as in
/// the paper: `query`, `key`, `value` and `output` (PyTorch packs the first three
/// into one `in_proj_weight` of `[3D, D]`, in that order).
///
/// FLOPs count the four projections and the two batched products (scores
/// `Q K^T` and the weighted sum of values): `2·N·H·T·S·(D/H)` each.
public struct MultiHeadAttention: Operator {
  public static let schema = OpSchema(
    name: "attention", category: .attention,
    summary: "Multi-head attention over [N, T, D]: self-attention, or cross-attention to a second input.",
    inputs: .between(1, 2),
    attributes: [
      .required("heads", .int(1...65536), "number of attention heads (must divide D)"),
      .default(
        "causal", .bool, .bool(false),
        "mask future steps so step t attends only to steps <= t (self-attention only)"),
      .default(
        "dropout", .float(0...1, exclusiveUpper: true), .float(0),
        "dropout rate on the attention weights during training"),
      .default("bias", .bool, .bool(true), "add learned biases to the four projections"),
    ],
    primary: "heads")

  public let heads: Int
  public let causal: Bool
  public let dropout: Double
  public let bias: Bool

  public init(_ attributes: Attributes) {
    heads = attributes.int("heads")
    causal = attributes.bool("causal")
    dropout = attributes.float("dropout")
    bias = attributes.bool("bias")
  }

  /// The largest head count the divisor hint lists.
  private static let maxSuggestedHeads = 64

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let query = inputs[0]
    try ShapeRules.requireFloat(query)
    try ShapeRules.requireRank(query, 3, layout: "[N, T, D]")
    let width = try ShapeRules.staticSize(query, axis: 2, what: "model width")
    guard width % heads == 0 else {
      let divisors = (1...min(width, Self.maxSuggestedHeads)).filter { width % $0 == 0 }
      throw ShapeError(
        .shapeMismatch,
        "model width D = \(width) cannot be split evenly into \(heads) heads",
        input: 0, attribute: "heads",
        help: "heads must divide \(width): use \(Suggestions.list(divisors.map(String.init)))")
    }
    let memory = inputs.count > 1 ? inputs[1] : query
    if inputs.count > 1 {
      try ShapeRules.requireFloat(memory, input: 1)
      try ShapeRules.requireRank(memory, 3, layout: "[N, S, D]", input: 1)
      guard memory.shape[2] == query.shape[2] else {
        throw ShapeError(
          .shapeMismatch,
          "the memory's width must equal the query's D = \(width), got \(memory.shape.shapeDescription)",
          input: 1,
          help: "project the memory to \(width) features first (e.g. `dense: \(width)`)")
      }
      guard memory.shape[0] == query.shape[0] else {
        throw ShapeError(
          .shapeMismatch,
          "the memory's batch size must equal the query's \(query.shape[0]), got \(memory.shape.shapeDescription)",
          input: 1, help: "query and memory must come from the same batch")
      }
      guard !causal else {
        throw ShapeError(
          .valueOutOfRange, "a causal mask applies to self-attention, not to attention over a memory",
          attribute: "causal",
          help: "remove `causal: true` here (mask the decoder's self-attention instead)")
      }
    }
    _ = try ShapeRules.parameterCount([width, width])
    var parameters: [ParameterSpec] = []
    for name in ["query", "key", "value"] {
      parameters.append(ParameterSpec("\(name).weight", [width, width], .glorot(fanIn: width, fanOut: width)))
      if bias { parameters.append(ParameterSpec("\(name).bias", [width], .zeros)) }
    }
    parameters.append(ParameterSpec("output.weight", [width, width], .fanIn(width)))
    if bias { parameters.append(ParameterSpec("output.bias", [width], .zeros)) }
    let flops = try cost(
      batch: query.shape[0], queries: query.shape[1], keys: memory.shape[1], width: width)
    return Inference(outputs: [query], parameters: parameters, flops: flops)
  }

  /// Projections `2·N·(2T + 2S)·D²` plus scores and weighted sum `2 · 2·N·T·S·D`
  /// (`H · (D/H) = D`).
  private func cost(batch: Dim, queries: Dim, keys: Dim, width: Int) throws(ShapeError) -> Dim {
    let steps = try ShapeRules.add(queries, keys)
    let projections = try ShapeRules.multiply(
      batch, ShapeRules.multiply(steps, Dim(4 * width * width)))
    let products = try ShapeRules.multiply(
      ShapeRules.multiply(batch, ShapeRules.multiply(queries, keys)), Dim(4 * width))
    return try ShapeRules.add(projections, products)
  }
}
