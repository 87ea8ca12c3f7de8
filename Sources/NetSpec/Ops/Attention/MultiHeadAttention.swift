import NetSpecDiagnostics
import NetSpecKernels

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

extension MultiHeadAttention: ExecutableOperator {
  public static let examples = [
    OpExample(["heads": .int(2)], inputs: [.batch(3, 4)]),
    OpExample(["heads": .int(2), "causal": .bool(true)], inputs: [.batch(4, 4)]),
    OpExample(["heads": .int(2)], inputs: [.batch(3, 4), .batch(5, 4)]),
    OpExample(["heads": .int(4), "bias": .bool(false)], inputs: [.batch(3, 8)]),
    OpExample(["heads": .int(2), "dropout": .float(0.3)], inputs: [.batch(3, 4)]),
  ]

  /// The projections' gradients read the inputs; the output is not needed.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per sample: the projected queries `[T, D]`, keys and values `[S, D]`, the
  /// attention probabilities `[H, T, S]` (before dropout), the context `[T, D]`
  /// (heads side by side, before the output projection) and, with dropout, the
  /// mask `[H, T, S]` (0 or 1 / (1 - rate)).
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let size = AttentionSizes(shapes, heads: heads, batch: 1)
    let queries = size.queries * size.width
    let keys = size.keys * size.width
    return [queries, keys, keys, size.scores, queries] + (dropout > 0 ? [size.scores] : [])
  }

  /// Forward: the dropped-out probabilities `[H, T, S]`. Backward: the gradients
  /// of the context `[T, D]`, the scores `[H, T, S]`, the queries `[T, D]`, and
  /// the keys and values `[S, D]`.
  public func workspace(_ shapes: OpShapes) -> Int {
    let size = AttentionSizes(shapes, heads: heads, batch: 1)
    return 2 * size.queries * size.width + 2 * size.keys * size.width + size.scores
  }

  /// Projects the queries, keys and values (GEMMs with fused biases), forms the
  /// scaled scores `Q K^T / sqrt(D / H)` of every sample and head with one batched
  /// GEMM, applies the causal mask and softmax, drops out while training, sums the
  /// values weighted by the probabilities (a second batched GEMM) and projects the
  /// result.
  public func forward(_ k: Kernel) {
    let size = AttentionSizes(k.shapes, heads: heads, batch: k.batch)
    let memory = k.inputs.count > 1 ? k.inputs[1] : k.inputs[0]
    let (query, key, value, probabilities, context) = (k.saved[0], k.saved[1], k.saved[2], k.saved[3], k.saved[4])
    project(k.inputs[0], rows: size.batch * size.queries, projection: 0, into: query, k)
    project(memory, rows: size.batch * size.keys, projection: 1, into: key, k)
    project(memory, rows: size.batch * size.keys, projection: 2, into: value, k)
    GEMM.sgemmBatched(
      outer: size.batch, inner: heads, transposeB: true, m: size.queries, n: size.keys, k: size.headWidth,
      alpha: size.scoreScale, a: query, lda: size.width, strideA: size.queryHeads, b: key, ldb: size.width,
      strideB: size.keyHeads, c: probabilities, ldc: size.keys, strideC: size.scoreHeads, pool: k.pool)
    softmax(probabilities, size)
    var weights = UnsafePointer(probabilities)
    if k.training && dropout > 0 {
      let (mask, dropped) = (k.saved[5], k.workspace!)
      let (rate, keep) = (Float(dropout), Float(1 / (1 - dropout)))
      var random = SplitMix64(seed: k.seed)
      for i in 0..<(size.batch * size.scores) {
        mask[i] = random.nextFloat() < rate ? 0 : keep
        dropped[i] = probabilities[i] * mask[i]
      }
      weights = UnsafePointer(dropped)
    }
    GEMM.sgemmBatched(
      outer: size.batch, inner: heads, m: size.queries, n: size.headWidth, k: size.keys, a: weights,
      lda: size.keys, strideA: size.scoreHeads, b: value, ldb: size.width, strideB: size.keyHeads, c: context,
      ldc: size.width, strideC: size.queryHeads, pool: k.pool)
    project(context, rows: size.batch * size.queries, projection: 3, into: k.outputs[0], k)
  }

  /// Runs the forward pass backwards with GEMMs: the output projection, the
  /// weighted sum (gradients of the values and the probabilities), dropout, the
  /// softmax Jacobian, the scores (gradients of queries and keys), then the three
  /// input projections, whose input gradients add up (in input 0 for
  /// self-attention, in the memory for cross-attention).
  public func backward(_ k: Kernel) {
    let size = AttentionSizes(k.shapes, heads: heads, batch: k.batch)
    let memory = k.inputs.count > 1 ? k.inputs[1] : k.inputs[0]
    let (query, key, value, probabilities, context) = (k.saved[0], k.saved[1], k.saved[2], k.saved[3], k.saved[4])
    let dContext = k.workspace!
    let dScores = dContext + size.batch * size.queries * size.width
    let dQuery = dScores + size.batch * size.scores
    let dKey = dQuery + size.batch * size.queries * size.width
    let dValue = dKey + size.batch * size.keys * size.width

    projectBack(
      k.outputGradients[0], rows: size.batch * size.queries, projection: 3, input: context, into: dContext,
      beta: 0, k)
    let dropping = k.training && dropout > 0
    var weights = UnsafePointer(probabilities)
    if dropping {
      let mask = k.saved[5]
      for i in 0..<(size.batch * size.scores) { dScores[i] = probabilities[i] * mask[i] }
      weights = UnsafePointer(dScores)
    }
    GEMM.sgemmBatched(
      outer: size.batch, inner: heads, transposeA: true, m: size.keys, n: size.headWidth, k: size.queries,
      a: weights, lda: size.keys, strideA: size.scoreHeads, b: dContext, ldb: size.width,
      strideB: size.queryHeads, c: dValue, ldc: size.width, strideC: size.keyHeads, pool: k.pool)
    GEMM.sgemmBatched(
      outer: size.batch, inner: heads, transposeB: true, m: size.queries, n: size.keys, k: size.headWidth,
      a: dContext, lda: size.width, strideA: size.queryHeads, b: value, ldb: size.width, strideB: size.keyHeads,
      c: dScores, ldc: size.keys, strideC: size.scoreHeads, pool: k.pool)
    if dropping {
      let mask = k.saved[5]
      for i in 0..<(size.batch * size.scores) { dScores[i] *= mask[i] }
    }
    softmaxBackward(probabilities, dScores, size)
    GEMM.sgemmBatched(
      outer: size.batch, inner: heads, m: size.queries, n: size.headWidth, k: size.keys, alpha: size.scoreScale,
      a: dScores, lda: size.keys, strideA: size.scoreHeads, b: key, ldb: size.width, strideB: size.keyHeads,
      c: dQuery, ldc: size.width, strideC: size.queryHeads, pool: k.pool)
    GEMM.sgemmBatched(
      outer: size.batch, inner: heads, transposeA: true, m: size.keys, n: size.headWidth, k: size.queries,
      alpha: size.scoreScale, a: dScores, lda: size.keys, strideA: size.scoreHeads, b: query, ldb: size.width,
      strideB: size.queryHeads, c: dKey, ldc: size.width, strideC: size.keyHeads, pool: k.pool)

    let cross = k.inputs.count > 1
    let dMemory = cross ? k.inputGradients[1] : k.inputGradients[0]
    projectBack(
      dQuery, rows: size.batch * size.queries, projection: 0, input: k.inputs[0], into: k.inputGradients[0],
      beta: k.inputBeta(0), k)
    projectBack(
      dKey, rows: size.batch * size.keys, projection: 1, input: memory, into: dMemory,
      beta: cross ? k.inputBeta(1) : 1, k)
    projectBack(dValue, rows: size.batch * size.keys, projection: 2, input: memory, into: dMemory, beta: 1, k)
  }

  /// Parameter index of a projection's weight (0 query, 1 key, 2 value, 3 output);
  /// its bias, if any, follows it.
  private func weightIndex(_ projection: Int) -> Int { bias ? 2 * projection : projection }

  /// `y = x W^T + b` for `rows` rows of width D.
  private func project(
    _ x: UnsafePointer<Float>, rows: Int, projection: Int, into y: UnsafeMutablePointer<Float>, _ k: Kernel
  ) {
    let width = k.shapes.inputs[0][1]
    let w = weightIndex(projection)
    GEMM.sgemm(
      transposeB: true, m: rows, n: width, k: width, a: x, lda: width, b: k.parameters[w], ldb: width, c: y,
      ldc: width, epilogue: GEMMEpilogue(bias: bias ? .perColumn(k.parameters[w + 1]) : .none), pool: k.pool)
  }

  /// The backward pass of ``project(_:rows:projection:into:_:)``: the weight and
  /// bias gradients from `dy` and the input `x`, and `dx = dy W + beta * dx`.
  private func projectBack(
    _ dy: UnsafePointer<Float>, rows: Int, projection: Int, input x: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>?, beta: Float, _ k: Kernel
  ) {
    let width = k.shapes.inputs[0][1]
    let w = weightIndex(projection)
    if let dWeight = k.parameterGradients[w] {
      GEMM.sgemm(
        transposeA: true, m: width, n: width, k: rows, a: dy, lda: width, b: x, ldb: width,
        beta: k.parameterBeta(w), c: dWeight, ldc: width, pool: k.pool)
    }
    if bias, let dBias = k.parameterGradients[w + 1] {
      BiasGradient.columnSums(dy, rows: rows, columns: width, into: dBias, accumulate: k.accumulateParameter[w + 1])
    }
    if let dx {
      GEMM.sgemm(
        m: rows, n: width, k: width, a: dy, lda: width, b: k.parameters[w], ldb: width, beta: beta, c: dx,
        ldc: width, pool: k.pool)
    }
  }

  /// Softmax over each row of scores `[N, H, T, S]` in place; with `causal`, row
  /// `t` covers keys `0...t` and the rest become 0.
  private func softmax(_ scores: UnsafeMutablePointer<Float>, _ size: AttentionSizes) {
    for r in 0..<(size.batch * heads * size.queries) {
      let row = scores + r * size.keys
      let valid = causal ? r % size.queries + 1 : size.keys
      var largest = -Float.infinity
      for j in 0..<valid { largest = max(largest, row[j]) }
      for j in 0..<valid { row[j] -= largest }
      VectorMath.exp(row, row, count: valid)
      var sum: Float = 0
      for j in 0..<valid { sum += row[j] }
      let scale = 1 / sum
      for j in 0..<valid { row[j] *= scale }
      for j in valid..<size.keys { row[j] = 0 }
    }
  }

  /// The softmax Jacobian, in place on each row of `gradient`:
  /// `dS = P * (dP - sum(dP * P))`.
  private func softmaxBackward(
    _ probabilities: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, _ size: AttentionSizes
  ) {
    for r in 0..<(size.batch * heads * size.queries) {
      let (p, g) = (probabilities + r * size.keys, gradient + r * size.keys)
      var dot: Float = 0
      for j in 0..<size.keys { dot += p[j] * g[j] }
      for j in 0..<size.keys { g[j] = p[j] * (g[j] - dot) }
    }
  }
}

/// Sizes of one attention call and the batched-GEMM strides that address one
/// head of one sample in place.
private struct AttentionSizes {
  let batch: Int
  /// `T`: query steps.
  let queries: Int
  /// `S`: key/value steps (`T` for self-attention).
  let keys: Int
  /// `D`.
  let width: Int
  /// `D / H`.
  let headWidth: Int

  init(_ shapes: OpShapes, heads: Int, batch: Int) {
    self.batch = batch
    queries = shapes.inputs[0][0]
    keys = shapes.inputs.count > 1 ? shapes.inputs[1][0] : queries
    width = shapes.inputs[0][1]
    headWidth = width / heads
  }

  /// Floats per sample of the scores or probabilities `[H, T, S]`.
  var scores: Int { width / headWidth * queries * keys }
  /// `1 / sqrt(D / H)`.
  var scoreScale: Float { 1 / Float(headWidth).squareRoot() }
  /// Head `h` of sample `n` in `[N, T, D]`: columns `h * D/H ..< (h + 1) * D/H`.
  var queryHeads: GEMMBatchStride { GEMMBatchStride(outer: queries * width, inner: headWidth) }
  /// Head `h` of sample `n` in `[N, S, D]`.
  var keyHeads: GEMMBatchStride { GEMMBatchStride(outer: keys * width, inner: headWidth) }
  /// Head `h` of sample `n` in `[N, H, T, S]`.
  var scoreHeads: GEMMBatchStride { GEMMBatchStride(outer: scores, inner: queries * keys) }
}
