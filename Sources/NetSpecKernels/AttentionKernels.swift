/// One of attention's four projections `y = x W^T + b` (`W` is `[D, D]`, `b`
/// `[D]` or none) and, for the backward pass, where its gradients go.
public struct AttentionProjection {
  public var weight: UnsafePointer<Float>
  public var bias: UnsafePointer<Float>?
  /// Nil for a frozen weight.
  public var weightGradient: UnsafeMutablePointer<Float>?
  /// Add into ``weightGradient`` instead of overwriting it (tied weights).
  public var accumulateWeight: Bool
  /// Nil without a bias or for a frozen one.
  public var biasGradient: UnsafeMutablePointer<Float>?
  /// Add into ``biasGradient`` instead of overwriting it.
  public var accumulateBias: Bool

  public init(
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>? = nil,
    accumulateWeight: Bool = false, biasGradient: UnsafeMutablePointer<Float>? = nil, accumulateBias: Bool = false
  ) {
    self.weight = weight
    self.bias = bias
    self.weightGradient = weightGradient
    self.accumulateWeight = accumulateWeight
    self.biasGradient = biasGradient
    self.accumulateBias = accumulateBias
  }
}

/// The four projections of one attention layer, named as in the paper.
public struct AttentionProjections {
  public var query: AttentionProjection
  public var key: AttentionProjection
  public var value: AttentionProjection
  public var output: AttentionProjection

  public init(
    query: AttentionProjection, key: AttentionProjection, value: AttentionProjection, output: AttentionProjection
  ) {
    self.query = query
    self.key = key
    self.value = value
    self.output = output
  }
}

/// What the forward pass keeps for the backward pass, each `batch` samples of:
/// the projected queries `[T, D]`, keys and values `[S, D]`, the attention
/// probabilities `[H, T, S]` (before dropout), the context `[T, D]` (heads side
/// by side, before the output projection) and, with dropout, the mask
/// `[H, T, S]` (0 or 1 / (1 - rate)).
public struct AttentionState {
  public var query: UnsafeMutablePointer<Float>
  public var key: UnsafeMutablePointer<Float>
  public var value: UnsafeMutablePointer<Float>
  public var probabilities: UnsafeMutablePointer<Float>
  public var context: UnsafeMutablePointer<Float>
  /// Nil without attention dropout.
  public var mask: UnsafeMutablePointer<Float>?

  public init(
    query: UnsafeMutablePointer<Float>, key: UnsafeMutablePointer<Float>, value: UnsafeMutablePointer<Float>,
    probabilities: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
    mask: UnsafeMutablePointer<Float>?
  ) {
    self.query = query
    self.key = key
    self.value = value
    self.probabilities = probabilities
    self.context = context
    self.mask = mask
  }
}

/// Multi-head scaled dot-product attention over `[N, T, D]` queries and an
/// `[N, S, D]` memory (the queries themselves for self-attention): the
/// interpreter's `attention` op and emitted code both call
/// ``forward(batch:input:memory:output:projections:state:workspace:dropout:training:seed:pool:)``
/// and ``backward(batch:input:memory:outputGradient:projections:state:workspace:inputGradient:accumulateInput:memoryGradient:accumulateMemory:training:pool:)``.
///
/// The heads are addressed in place with batched GEMMs: head `h` of sample `n`
/// is the column block `h * D/H ..< (h + 1) * D/H` of the sample's rows.
public struct AttentionGeometry: Sendable, Hashable {
  /// `T`: query steps.
  public var queries: Int
  /// `S`: key/value steps (`T` for self-attention).
  public var keys: Int
  /// `D`.
  public var width: Int
  public var heads: Int
  /// Query step `t` attends to key steps `0...t` only.
  public var causal: Bool
  /// Rotary position embeddings' base (10000 in RoFormer and LLaMA), or nil for
  /// none: see ``RotaryEmbedding``.
  public var rotaryBase: Double?

  public init(queries: Int, keys: Int, width: Int, heads: Int, causal: Bool, rotaryBase: Double? = nil) {
    precondition(heads > 0 && width % heads == 0, "heads must divide the width")
    precondition(rotaryBase == nil || (width / heads) % 2 == 0, "rotary embeddings need an even head width")
    self.queries = queries
    self.keys = keys
    self.width = width
    self.heads = heads
    self.causal = causal
    self.rotaryBase = rotaryBase
  }

  /// `D / H`.
  public var headWidth: Int { width / heads }
  /// Floats per sample of the scores or probabilities `[H, T, S]`.
  public var scores: Int { heads * queries * keys }
  /// Floats per sample of the forward workspace (the dropped-out
  /// probabilities) and the backward one (the gradients of the context, the
  /// scores, the queries, the keys and the values).
  public var workspace: Int { 2 * queries * width + 2 * keys * width + scores }
  /// `1 / sqrt(D / H)`.
  var scoreScale: Float { 1 / Float(headWidth).squareRoot() }
  /// Head `h` of sample `n` in `[N, T, D]`.
  var queryHeads: GEMMBatchStride { GEMMBatchStride(outer: queries * width, inner: headWidth) }
  /// Head `h` of sample `n` in `[N, S, D]`.
  var keyHeads: GEMMBatchStride { GEMMBatchStride(outer: keys * width, inner: headWidth) }
  /// Head `h` of sample `n` in `[N, H, T, S]`.
  var scoreHeads: GEMMBatchStride { GEMMBatchStride(outer: scores, inner: queries * keys) }

  /// Projects the queries, keys and values (GEMMs with fused biases), rotates
  /// the queries' and keys' heads by their positions (with ``rotaryBase``),
  /// forms the scaled scores `Q K^T / sqrt(D / H)` of every sample and head
  /// with one batched GEMM, applies the causal and key-padding masks and
  /// softmax (masked keys get probability 0; a query whose keys are all masked
  /// gets all-zero probabilities, so its context is 0), drops out while training
  /// (one draw of `SplitMix64(seed: seed)` per probability, in order), sums the
  /// values weighted by the probabilities (a second batched GEMM) and projects
  /// the result into `output`.
  ///
  /// - Parameters:
  ///   - memory: The `[N, S, D]` keys and values; nil for self-attention.
  ///   - keyMask: `[N, S]`: 0 where a key is padding, any other value where
  ///     it is kept (BERT's `attention_mask`); nil for none.
  ///   - workspace: `batch * scores` floats, used only when dropping out.
  public func forward(
    batch: Int, input: UnsafePointer<Float>, memory: UnsafePointer<Float>?, keyMask: UnsafePointer<Float>? = nil,
    output: UnsafeMutablePointer<Float>, projections p: AttentionProjections, state s: AttentionState,
    workspace: UnsafeMutablePointer<Float>?, dropout: Double, training: Bool, seed: UInt64, pool: ComputePool
  ) {
    let memory = memory ?? input
    project(input, rows: batch * queries, p.query, into: s.query, pool)
    project(memory, rows: batch * keys, p.key, into: s.key, pool)
    project(memory, rows: batch * keys, p.value, into: s.value, pool)
    if let rotary {
      rotary.rotate(s.query, rows: batch * queries, steps: queries, inverse: false)
      rotary.rotate(s.key, rows: batch * keys, steps: keys, inverse: false)
    }
    GEMM.sgemmBatched(
      outer: batch, inner: heads, transposeB: true, m: queries, n: keys, k: headWidth, alpha: scoreScale,
      a: s.query, lda: width, strideA: queryHeads, b: s.key, ldb: width, strideB: keyHeads, c: s.probabilities,
      ldc: keys, strideC: scoreHeads, pool: pool)
    softmax(s.probabilities, batch: batch, keyMask: keyMask)
    var weights = UnsafePointer(s.probabilities)
    if training && dropout > 0, let mask = s.mask, let dropped = workspace {
      let (rate, keep) = (Float(dropout), Float(1 / (1 - dropout)))
      var random = SplitMix64(seed: seed)
      for i in 0..<(batch * scores) {
        mask[i] = random.nextFloat() < rate ? 0 : keep
        dropped[i] = s.probabilities[i] * mask[i]
      }
      weights = UnsafePointer(dropped)
    }
    GEMM.sgemmBatched(
      outer: batch, inner: heads, m: queries, n: headWidth, k: keys, a: weights, lda: keys, strideA: scoreHeads,
      b: s.value, ldb: width, strideB: keyHeads, c: s.context, ldc: width, strideC: queryHeads, pool: pool)
    project(s.context, rows: batch * queries, p.output, into: output, pool)
  }

  /// Runs the forward pass backwards with GEMMs: the output projection, the
  /// weighted sum (gradients of the values and the probabilities), dropout
  /// (while `training`, with the saved mask), the softmax Jacobian, the scores
  /// (gradients of queries and keys), then the three input projections, whose
  /// input gradients add up (in `inputGradient` for self-attention, in
  /// `memoryGradient` for cross-attention). Nil gradients are skipped.
  ///
  /// - Parameter workspace: `batch * workspace` floats.
  public func backward(
    batch: Int, input: UnsafePointer<Float>, memory: UnsafePointer<Float>?, outputGradient: UnsafePointer<Float>,
    projections p: AttentionProjections, state s: AttentionState, workspace: UnsafeMutablePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, accumulateInput: Bool,
    memoryGradient: UnsafeMutablePointer<Float>?, accumulateMemory: Bool, training: Bool, pool: ComputePool
  ) {
    let dContext = workspace
    let dScores = dContext + batch * queries * width
    let dQuery = dScores + batch * scores
    let dKey = dQuery + batch * queries * width
    let dValue = dKey + batch * keys * width

    projectBack(outputGradient, rows: batch * queries, p.output, input: s.context, into: dContext, beta: 0, pool)
    let mask = training ? s.mask : nil
    var weights = UnsafePointer(s.probabilities)
    if let mask {
      for i in 0..<(batch * scores) { dScores[i] = s.probabilities[i] * mask[i] }
      weights = UnsafePointer(dScores)
    }
    GEMM.sgemmBatched(
      outer: batch, inner: heads, transposeA: true, m: keys, n: headWidth, k: queries, a: weights, lda: keys,
      strideA: scoreHeads, b: dContext, ldb: width, strideB: queryHeads, c: dValue, ldc: width, strideC: keyHeads,
      pool: pool)
    GEMM.sgemmBatched(
      outer: batch, inner: heads, transposeB: true, m: queries, n: keys, k: headWidth, a: dContext, lda: width,
      strideA: queryHeads, b: s.value, ldb: width, strideB: keyHeads, c: dScores, ldc: keys, strideC: scoreHeads,
      pool: pool)
    if let mask {
      for i in 0..<(batch * scores) { dScores[i] *= mask[i] }
    }
    softmaxBackward(s.probabilities, dScores, batch: batch)
    GEMM.sgemmBatched(
      outer: batch, inner: heads, m: queries, n: headWidth, k: keys, alpha: scoreScale, a: dScores, lda: keys,
      strideA: scoreHeads, b: s.key, ldb: width, strideB: keyHeads, c: dQuery, ldc: width, strideC: queryHeads,
      pool: pool)
    GEMM.sgemmBatched(
      outer: batch, inner: heads, transposeA: true, m: keys, n: headWidth, k: queries, alpha: scoreScale,
      a: dScores, lda: keys, strideA: scoreHeads, b: s.query, ldb: width, strideB: queryHeads, c: dKey, ldc: width,
      strideC: keyHeads, pool: pool)

    if let rotary {
      rotary.rotate(dQuery, rows: batch * queries, steps: queries, inverse: true)
      rotary.rotate(dKey, rows: batch * keys, steps: keys, inverse: true)
    }
    let cross = memory != nil
    let dMemory = cross ? memoryGradient : inputGradient
    projectBack(
      dQuery, rows: batch * queries, p.query, input: input, into: inputGradient, beta: accumulateInput ? 1 : 0, pool)
    projectBack(
      dKey, rows: batch * keys, p.key, input: memory ?? input, into: dMemory,
      beta: cross ? (accumulateMemory ? 1 : 0) : 1, pool)
    projectBack(dValue, rows: batch * keys, p.value, input: memory ?? input, into: dMemory, beta: 1, pool)
  }

  /// `y = x W^T + b` for `rows` rows of width D.
  private func project(
    _ x: UnsafePointer<Float>, rows: Int, _ projection: AttentionProjection, into y: UnsafeMutablePointer<Float>,
    _ pool: ComputePool
  ) {
    GEMM.sgemm(
      transposeB: true, m: rows, n: width, k: width, a: x, lda: width, b: projection.weight, ldb: width, c: y,
      ldc: width,
      epilogue: GEMMEpilogue(bias: projection.bias.map(GEMMEpilogue.Bias.perColumn) ?? GEMMEpilogue.Bias.none),
      pool: pool)
  }

  /// The backward pass of ``project(_:rows:_:into:_:)``: the weight and bias
  /// gradients from `dy` and the input `x`, and `dx = dy W + beta * dx`.
  private func projectBack(
    _ dy: UnsafePointer<Float>, rows: Int, _ projection: AttentionProjection, input x: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>?, beta: Float, _ pool: ComputePool
  ) {
    if let dWeight = projection.weightGradient {
      GEMM.sgemm(
        transposeA: true, m: width, n: width, k: rows, a: dy, lda: width, b: x, ldb: width,
        beta: projection.accumulateWeight ? 1 : 0, c: dWeight, ldc: width, pool: pool)
    }
    if let dBias = projection.biasGradient {
      BiasGradient.columnSums(
        dy, rows: rows, columns: width, into: dBias, accumulate: projection.accumulateBias, pool: pool)
    }
    if let dx {
      GEMM.sgemm(
        m: rows, n: width, k: width, a: dy, lda: width, b: projection.weight, ldb: width, beta: beta, c: dx,
        ldc: width, pool: pool)
    }
  }

  /// The rotation of the heads' columns, if the geometry has a rotary base.
  var rotary: RotaryEmbedding? {
    rotaryBase.map { RotaryEmbedding(width: width, heads: heads, base: $0) }
  }

  /// Softmax over each row of scores `[N, H, T, S]` in place; with `causal`, row
  /// `t` covers keys `0...t` and the rest become 0; keys whose `keyMask` entry
  /// is 0 become 0 too, and a row without any key left is all 0.
  private func softmax(_ scores: UnsafeMutablePointer<Float>, batch: Int, keyMask: UnsafePointer<Float>?) {
    for r in 0..<(batch * heads * queries) {
      let row = scores + r * keys
      let valid = causal ? r % queries + 1 : keys
      let keep = keyMask.map { $0 + (r / (heads * queries)) * keys }
      var largest = -Float.infinity
      for j in 0..<valid where keep?[j] != 0 { largest = max(largest, row[j]) }
      guard largest > -Float.infinity else {
        row.update(repeating: 0, count: keys)
        continue
      }
      for j in 0..<valid { row[j] -= largest }
      VectorMath.exp(row, row, count: valid)
      if let keep {
        for j in 0..<valid where keep[j] == 0 { row[j] = 0 }
      }
      var sum: Float = 0
      for j in 0..<valid { sum += row[j] }
      let scale = 1 / sum
      for j in 0..<valid { row[j] *= scale }
      for j in valid..<keys { row[j] = 0 }
    }
  }

  /// The softmax Jacobian, in place on each row of `gradient`:
  /// `dS = P * (dP - sum(dP * P))`.
  private func softmaxBackward(
    _ probabilities: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, batch: Int
  ) {
    for r in 0..<(batch * heads * queries) {
      let (p, g) = (probabilities + r * keys, gradient + r * keys)
      var dot: Float = 0
      for j in 0..<keys { dot += p[j] * g[j] }
      for j in 0..<keys { g[j] = p[j] * (g[j] - dot) }
    }
  }
}
