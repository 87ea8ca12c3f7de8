// KernelSources.swift: the sources of Sources/NetSpecKernels, which `netspec compile`
// writes beside every model. Generated: regenerate with
// `NETSPEC_UPDATE_GOLDEN=1 swift test --filter KernelSourceTests`. Do not edit.
// swift-format-ignore-file

/// The kernel sources by file name (see ``KernelSourceEmbedding``).
enum KernelSources {
  static let files: [(name: String, text: String)] = [
    (
      "ActivationKernels.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Element-wise activation functions and their derivatives, shared by the
/// activation ops and by layers with a fused `activation:`.
///
/// Backward functions take the forward *output* `y` where the derivative is a
/// function of it (ReLU, sigmoid, tanh), so the input need not be kept, and
/// write `dx = dy * f'(...)`, adding into `dx` when `accumulate` is set.
public enum ActivationKernel: Sendable, Equatable {
  case relu
  case leakyReLU(slope: Float)
  case sigmoid
  case tanh
  /// GELU with the tanh approximation (Hendrycks & Gimpel 2016), or exact (erf).
  case gelu(exact: Bool)
  /// SiLU (swish): `x * sigmoid(x)`.
  case silu

  /// The activations a layer can fuse into its output, by their name in a spec
  /// (`dense: {units: 10, activation: relu}`).
  public static let fusable: [(name: String, kernel: ActivationKernel)] = [
    ("relu", .relu), ("sigmoid", .sigmoid), ("tanh", .tanh), ("gelu", .gelu(exact: false)), ("silu", .silu),
  ]

  /// This kernel as a Swift expression, for emitted code (`.leakyReLU(slope: 0.2)`).
  public var swiftLiteral: String {
    switch self {
    case .relu: ".relu"
    case .leakyReLU(let slope): ".leakyReLU(slope: \(slope))"
    case .sigmoid: ".sigmoid"
    case .tanh: ".tanh"
    case .gelu(let exact): ".gelu(exact: \(exact))"
    case .silu: ".silu"
    }
  }

  /// True when ``backward`` needs the forward input rather than the output.
  public var needsInput: Bool {
    switch self {
    case .gelu, .leakyReLU, .silu: true
    default: false
    }
  }

  /// `y[i] = f(x[i])`; `x` and `y` may be the same buffer.
  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    switch self {
    case .relu:
      for i in 0..<count { y[i] = max(x[i], 0) }
    case .leakyReLU(let slope):
      for i in 0..<count { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
    case .sigmoid:
      VectorMath.sigmoid(x, y, count: count)
    case .tanh:
      VectorMath.tanh(x, y, count: count)
    case .gelu(let exact):
      if exact {
        for i in 0..<count { y[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.707_106_77)) }
      } else {
        for i in 0..<count {
          let v = x[i]
          y[i] = 0.5 * v * (1 + tanhf(0.797_884_56 * (v + 0.044_715 * v * v * v)))
        }
      }
    case .silu:
      for i in 0..<count { y[i] = x[i] / (1 + expf(-x[i])) }
    }
  }

  /// `dx[i] (+)= dy[i] * f'(x[i])`, with `x` the forward input and `y` the output.
  public func backward(
    input x: UnsafePointer<Float>?, output y: UnsafePointer<Float>?, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool
  ) {
    @inline(__always) func store(_ i: Int, _ v: Float) {
      if accumulate { dx[i] += v } else { dx[i] = v }
    }
    switch self {
    case .relu:
      let y = y!
      for i in 0..<count { store(i, y[i] > 0 ? dy[i] : 0) }
    case .leakyReLU(let slope):
      let x = x!
      for i in 0..<count { store(i, x[i] > 0 ? dy[i] : slope * dy[i]) }
    case .sigmoid:
      let y = y!
      for i in 0..<count { store(i, dy[i] * y[i] * (1 - y[i])) }
    case .tanh:
      let y = y!
      for i in 0..<count { store(i, dy[i] * (1 - y[i] * y[i])) }
    case .gelu(let exact):
      let x = x!
      if exact {
        for i in 0..<count {
          let v = x[i]
          let cdf = 0.5 * (1 + erff(v * 0.707_106_77))
          let pdf = expf(-0.5 * v * v) * 0.398_942_28
          store(i, dy[i] * (cdf + v * pdf))
        }
      } else {
        for i in 0..<count {
          let v = x[i]
          let inner = 0.797_884_56 * (v + 0.044_715 * v * v * v)
          let t = tanhf(inner)
          let dinner = 0.797_884_56 * (1 + 3 * 0.044_715 * v * v)
          store(i, dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dinner))
        }
      }
    case .silu:
      let x = x!
      for i in 0..<count {
        let sigmoid = 1 / (1 + expf(-x[i]))
        store(i, dy[i] * sigmoid * (1 + x[i] * (1 - sigmoid)))
      }
    }
  }
}
"""###
    ),
    (
      "AttentionKernels.swift",
      ###"""
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

  public init(queries: Int, keys: Int, width: Int, heads: Int, causal: Bool) {
    precondition(heads > 0 && width % heads == 0, "heads must divide the width")
    self.queries = queries
    self.keys = keys
    self.width = width
    self.heads = heads
    self.causal = causal
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

  /// Projects the queries, keys and values (GEMMs with fused biases), forms the
  /// scaled scores `Q K^T / sqrt(D / H)` of every sample and head with one
  /// batched GEMM, applies the causal mask and softmax, drops out while training
  /// (one draw of `SplitMix64(seed: seed)` per probability, in order), sums the
  /// values weighted by the probabilities (a second batched GEMM) and projects
  /// the result into `output`.
  ///
  /// - Parameters:
  ///   - memory: The `[N, S, D]` keys and values; nil for self-attention.
  ///   - workspace: `batch * scores` floats, used only when dropping out.
  public func forward(
    batch: Int, input: UnsafePointer<Float>, memory: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
    projections p: AttentionProjections, state s: AttentionState, workspace: UnsafeMutablePointer<Float>?,
    dropout: Double, training: Bool, seed: UInt64, pool: ComputePool
  ) {
    let memory = memory ?? input
    project(input, rows: batch * queries, p.query, into: s.query, pool)
    project(memory, rows: batch * keys, p.key, into: s.key, pool)
    project(memory, rows: batch * keys, p.value, into: s.value, pool)
    GEMM.sgemmBatched(
      outer: batch, inner: heads, transposeB: true, m: queries, n: keys, k: headWidth, alpha: scoreScale,
      a: s.query, lda: width, strideA: queryHeads, b: s.key, ldb: width, strideB: keyHeads, c: s.probabilities,
      ldc: keys, strideC: scoreHeads, pool: pool)
    softmax(s.probabilities, batch: batch)
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
      BiasGradient.columnSums(dy, rows: rows, columns: width, into: dBias, accumulate: projection.accumulateBias)
    }
    if let dx {
      GEMM.sgemm(
        m: rows, n: width, k: width, a: dy, lda: width, b: projection.weight, ldb: width, beta: beta, c: dx,
        ldc: width, pool: pool)
    }
  }

  /// Softmax over each row of scores `[N, H, T, S]` in place; with `causal`, row
  /// `t` covers keys `0...t` and the rest become 0.
  private func softmax(_ scores: UnsafeMutablePointer<Float>, batch: Int) {
    for r in 0..<(batch * heads * queries) {
      let row = scores + r * keys
      let valid = causal ? r % queries + 1 : keys
      var largest = -Float.infinity
      for j in 0..<valid { largest = max(largest, row[j]) }
      for j in 0..<valid { row[j] -= largest }
      VectorMath.exp(row, row, count: valid)
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
"""###
    ),
    (
      "AveragePoolingKernels.swift",
      ###"""
/// Average pooling whose windows follow from the sizes alone, over the
/// `[height, width]` planes of `[planes, height, width]`: adaptive (PyTorch's
/// `AdaptiveAvgPool2d`) and global (one mean per plane). Planes run in parallel.
public enum AveragePoolingKernels {
  /// The input positions averaged into output cell `i` of `output` along an axis
  /// of `input` positions: `floor(i * input / output) ..< ceil((i + 1) * input / output)`.
  @inline(__always)
  public static func window(_ i: Int, input: Int, output: Int) -> Range<Int> {
    // i * input / output without overflow: input = q * output + r with r < output.
    let (q, r) = input.quotientAndRemainder(dividingBy: output)
    return (i * q + i * r / output)..<((i + 1) * q + ((i + 1) * r + output - 1) / output)
  }

  /// Each output cell is the mean of its window (windows overlap when the sizes
  /// do not divide evenly).
  public static func adaptiveForward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, planes: Int, height: Int, width: Int,
    outputHeight: Int, outputWidth: Int, pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / (height * width))) { planeRange in
      for plane in planeRange {
        let (x, y) = (x + plane * height * width, y + plane * outputHeight * outputWidth)
        for oh in 0..<outputHeight {
          let rows = window(oh, input: height, output: outputHeight)
          for ow in 0..<outputWidth {
            let columns = window(ow, input: width, output: outputWidth)
            var sum: Float = 0
            for ih in rows {
              for iw in columns { sum += x[ih * width + iw] }
            }
            y[oh * outputWidth + ow] = sum / Float(rows.count * columns.count)
          }
        }
      }
    }
  }

  /// Each output gradient spread evenly across its window; added into `dx` when
  /// `accumulate` is set.
  public static func adaptiveBackward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, planes: Int, height: Int, width: Int,
    outputHeight: Int, outputWidth: Int, accumulate: Bool, pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / (height * width))) { planeRange in
      for plane in planeRange {
        let (dx, dy) = (dx + plane * height * width, dy + plane * outputHeight * outputWidth)
        if !accumulate { dx.update(repeating: 0, count: height * width) }
        for oh in 0..<outputHeight {
          let rows = window(oh, input: height, output: outputHeight)
          for ow in 0..<outputWidth {
            let columns = window(ow, input: width, output: outputWidth)
            let share = dy[oh * outputWidth + ow] / Float(rows.count * columns.count)
            for ih in rows {
              for iw in columns { dx[ih * width + iw] += share }
            }
          }
        }
      }
    }
  }

  /// `y[plane]` = the mean of plane `plane` (`planeSize` floats).
  public static func globalForward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, planes: Int, planeSize: Int, pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / planeSize)) { planeRange in
      for plane in planeRange {
        y[plane] = Reductions.sum(x + plane * planeSize, count: planeSize) / Float(planeSize)
      }
    }
  }

  /// `dy[plane] / planeSize` broadcast over each plane; added into `dx` when
  /// `accumulate` is set.
  public static func globalBackward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, planes: Int, planeSize: Int, accumulate: Bool,
    pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / planeSize)) { planeRange in
      for plane in planeRange {
        let dx = dx + plane * planeSize
        let share = dy[plane] / Float(planeSize)
        if accumulate {
          for i in 0..<planeSize { dx[i] += share }
        } else {
          dx.update(repeating: share, count: planeSize)
        }
      }
    }
  }
}
"""###
    ),
    (
      "BatchNormKernels.swift",
      ###"""
/// Batch normalization over `[batch, channels, positions]`: one mean and
/// variance per channel, over the batch and the positions.
public enum BatchNormKernels {
  /// Per channel (in parallel): in training the batch statistics (two passes,
  /// accumulated in Double) and the running statistics' update
  /// (`running = (1 - momentum) * running + momentum * batch`, the variance
  /// unbiased), in evaluation the running statistics; then
  /// `y = x * scale + shift` with `scale = weight / std`, `shift = bias - mean * scale`.
  /// The mean and inverse standard deviation used are kept in `mean` and
  /// `inverseStd` (`channels` floats each).
  public static func forward(
    y: UnsafeMutablePointer<Float>, mean savedMean: UnsafeMutablePointer<Float>,
    inverseStd savedInverseStd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
    runningVariance: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, batch: Int, channels: Int, positions: Int, momentum: Float, epsilon: Float,
    training: Bool, pool: ComputePool
  ) {
    let count = batch * positions
    pool.parallelRanges(channels, grain: max(1, 16_384 / count)) { channelRange in
      for c in channelRange {
        var mean = runningMean[c]
        var variance = runningVariance[c]
        if training {
          var sum: Double = 0
          for n in 0..<batch { sum += Double(Reductions.sum(x + (n * channels + c) * positions, count: positions)) }
          mean = Float(sum / Double(count))
          var squares: Double = 0
          for n in 0..<batch {
            squares += Double(
              Reductions.squaredDeviations(x + (n * channels + c) * positions, from: mean, count: positions))
          }
          variance = Float(squares / Double(count))
          let unbiased = count > 1 ? Float(squares / Double(count - 1)) : variance
          runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
          runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * unbiased
        }
        let inverseStd = 1 / (variance + epsilon).squareRoot()
        savedMean[c] = mean
        savedInverseStd[c] = inverseStd
        let scale = weight[c] * inverseStd
        let shift = bias[c] - mean * scale
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          for i in 0..<positions { y[offset + i] = x[offset + i] * scale + shift }
        }
      }
    }
  }

  /// Per channel: `dBias = sum(dy)`, `dWeight = sum(dy * xhat)` and, in
  /// training, `dx = weight / std * (dy - dBias / m - xhat * dWeight / m)` over
  /// the `m` values of the channel; in evaluation the statistics are constants,
  /// so `dx = weight / std * dy`. A nil gradient is skipped; each is added into
  /// when its `accumulate` flag is set.
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, mean savedMean: UnsafePointer<Float>,
    inverseStd savedInverseStd: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int, channels: Int,
    positions: Int, training: Bool, accumulateInput: Bool, accumulateWeight: Bool, accumulateBias: Bool,
    pool: ComputePool
  ) {
    let count = batch * positions
    pool.parallelRanges(channels, grain: max(1, 16_384 / count)) { channelRange in
      for c in channelRange {
        let (mean, inverseStd) = (savedMean[c], savedInverseStd[c])
        var sumDy: Double = 0
        var sumDyCentered: Double = 0
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          sumDy += Double(Reductions.sum(dy + offset, count: positions))
          sumDyCentered += Double(Reductions.centeredDot(x + offset, from: mean, dy + offset, count: positions))
        }
        if let dWeight {
          let g = Float(sumDyCentered) * inverseStd
          if accumulateWeight { dWeight[c] += g } else { dWeight[c] = g }
        }
        if let dBias {
          if accumulateBias { dBias[c] += Float(sumDy) } else { dBias[c] = Float(sumDy) }
        }
        guard let dx else { continue }
        // dx = a * dy + b * x + c0.
        let a = weight[c] * inverseStd
        let b = training ? -a * inverseStd * inverseStd * Float(sumDyCentered / Double(count)) : 0
        let c0 = training ? -a * Float(sumDy / Double(count)) - b * mean : 0
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          if accumulateInput {
            for i in 0..<positions { dx[offset + i] += a * dy[offset + i] + b * x[offset + i] + c0 }
          } else {
            for i in 0..<positions { dx[offset + i] = a * dy[offset + i] + b * x[offset + i] + c0 }
          }
        }
      }
    }
  }
}
"""###
    ),
    (
      "BatchedGEMM.swift",
      ###"""
/// Where the matrices of a batched GEMM start: in a batch of `outer x inner`
/// products, the matrix of product `(i, j)` begins `i * outer + j * inner`
/// floats after the first one.
///
/// Two levels cover per-sample, per-head products in place: the heads of a
/// `[N, T, D]` activation split into `H` column blocks of `D / H` are matrices
/// at stride `(T * D, D / H)` with a leading dimension of `D`.
public struct GEMMBatchStride: Sendable {
  /// Floats between the matrices of consecutive outer indices.
  public var outer: Int
  /// Floats between the matrices of consecutive inner indices.
  public var inner: Int

  public init(outer: Int, inner: Int) {
    self.outer = outer
    self.inner = inner
  }

  /// Offset of product `product` (numbered row-major over `outer x count`).
  @inline(__always)
  func offset(_ product: Int, inner count: Int) -> Int {
    (product / count) * outer + (product % count) * inner
  }
}

extension GEMM {
  /// Many independent products of one shape: for every `(i, j)` in
  /// `0..<outer x 0..<inner`, `C_ij = alpha * op(A_ij) * op(B_ij) + beta * C_ij`,
  /// with each matrix located by its ``GEMMBatchStride``.
  ///
  /// Each product runs whole on one thread, and the products are spread over the
  /// pool: the right split for many small products (attention scores per sample
  /// and head) that ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:epilogue:pool:)``
  /// would each run on one thread. The C matrices must not overlap each other or
  /// any A or B; other arguments are as in `sgemm`.
  public static func sgemmBatched(
    outer: Int, inner: Int,
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, strideA: GEMMBatchStride,
    b: UnsafePointer<Float>, ldb: Int, strideB: GEMMBatchStride,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, strideC: GEMMBatchStride,
    pool: ComputePool = .shared
  ) {
    precondition(outer >= 0 && inner >= 0, "batch sizes must not be negative")
    precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(lda >= max(1, transposeA ? m : k), "lda is smaller than a row of A")
    precondition(ldb >= max(1, transposeB ? k : n), "ldb is smaller than a row of B")
    precondition(ldc >= max(1, n), "ldc is smaller than a row of C")
    let count = outer * inner
    if count == 0 || m == 0 || n == 0 { return }
    let tasks = count * m * n * k < WorkSplit.minimumParallelWork ? 1 : min(pool.threadCount, count)
    let first = GEMMOperands(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
      ldb: ldb, beta: beta, c: c, ldc: ldc, epilogue: .none)
    pool.parallelFor(tasks) { task in
      for product in (count * task / tasks)..<(count * (task + 1) / tasks) {
        var operands = first
        operands.a += strideA.offset(product, inner: inner)
        operands.b += strideB.offset(product, inner: inner)
        operands.c += strideC.offset(product, inner: inner)
        if k == 0 || alpha == 0 {
          operands.scaleC()
        } else if m == 1 {
          operands.computeSingleRow(columns: 0..<n, workspace: pool.workspaces[task])
        } else {
          operands.compute(rows: 0..<m, columns: 0..<n, workspace: pool.workspaces[task])
        }
      }
    }
  }
}
"""###
    ),
    (
      "BiasGradient.swift",
      ###"""
/// The gradient of a bias added to every row of a matrix: the column sums of the
/// output gradient.
public enum BiasGradient {
  /// `db[j] = sum over i of dy[i * columns + j]` for a row-major `rows x columns`
  /// `dy`; adds into `db` instead of overwriting it when `accumulate` is set.
  public static func columnSums(
    _ dy: UnsafePointer<Float>, rows: Int, columns: Int, into db: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    if !accumulate { db.update(repeating: 0, count: columns) }
    for i in 0..<rows {
      let row = dy + i * columns
      for j in 0..<columns { db[j] += row[j] }
    }
  }
}
"""###
    ),
    (
      "ComputePool.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A tiny fork-join thread pool for CPU kernels: the calling thread plus
/// `threadCount - 1` persistent worker threads.
///
/// Dispatch is cheap (about a microsecond for a round trip when the workers are
/// awake) because workers poll the job slot for a millisecond after each job
/// before parking on a condition variable. Tasks are handed out one at a time from
/// a shared counter, so uneven tasks balance themselves.
///
/// The pool needs nothing but POSIX threads (no atomics module), so the emitted
/// runtime, which carries this file, imports Foundation alone: every shared field
/// is guarded by one mutex, which the busy paths take by spinning on
/// `pthread_mutex_trylock` and never by sleeping in the kernel.
///
/// Calls into one pool are serialized: a second thread calling ``parallelFor(_:_:)``
/// while a job runs waits for it. The pool is not reentrant: calling
/// ``parallelFor(_:_:)`` (or a kernel that uses this pool) from inside a task of the
/// same pool deadlocks.
public final class ComputePool: @unchecked Sendable {
  /// A pool with one thread per online processor, shared by all kernels by default.
  public static let shared = ComputePool(threadCount: ComputePool.processorCount)

  /// The number of online processors (at least 1).
  public static var processorCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }

  /// Threads that run tasks, counting the caller: 1 means everything runs inline.
  public let threadCount: Int

  private let state: PoolState
  private let callers = PoolMutex()
  private let threads: [pthread_t]
  /// Per-thread packing buffers for kernels; index `i` belongs to task `i` of a job
  /// whose task count is at most ``threadCount``.
  let workspaces: [KernelWorkspace]

  /// Creates a pool that runs jobs on `threadCount` threads: the caller and
  /// `threadCount - 1` new worker threads. `threadCount` must be at least 1.
  public init(threadCount: Int) {
    precondition(threadCount >= 1, "ComputePool needs at least one thread")
    self.threadCount = threadCount
    state = PoolState()
    workspaces = (0..<threadCount).map { _ in KernelWorkspace() }
    threads = (1..<threadCount).map { [state] _ in Self.startWorker(state) }
  }

  deinit {
    state.shutDown()
    for thread in threads {
      pthread_join(thread, nil)
    }
  }

  /// Runs `body(task)` for every `task` in `0..<taskCount`, spread over the pool's
  /// threads (the caller takes part), and returns when all tasks are done.
  ///
  /// Like `DispatchQueue.concurrentPerform`, `body` runs on several threads at once
  /// without being `@Sendable`, so kernels can capture raw pointers; each task must
  /// only write memory that no other task touches. With `taskCount <= 1` or a
  /// one-thread pool, everything runs inline.
  public func parallelFor(_ taskCount: Int, _ body: (_ task: Int) -> Void) {
    callers.lock()
    defer { callers.unlock() }
    if taskCount <= 1 || threadCount == 1 {
      for task in 0..<taskCount { body(task) }
    } else {
      withoutActuallyEscaping(body) { state.run(taskCount: taskCount, workers: threadCount - 1, $0) }
    }
  }

  private static func startWorker(_ state: PoolState) -> pthread_t {
    let context = Unmanaged.passRetained(state).toOpaque()
    #if canImport(Darwin)
      var thread: pthread_t?
    #else
      var thread = pthread_t()
    #endif
    let status = pthread_create(
      &thread, nil,
      { context in
        #if canImport(Darwin)
          let state = Unmanaged<PoolState>.fromOpaque(context).takeRetainedValue()
        #else
          let state = Unmanaged<PoolState>.fromOpaque(context!).takeRetainedValue()
        #endif
        state.workerLoop()
        return nil
      }, context)
    precondition(status == 0, "pthread_create failed with \(status)")
    #if canImport(Darwin)
      return thread!
    #else
      return thread
    #endif
  }
}

/// The shared state of a pool's job slot. Workers hold it alive while they run.
/// Every stored property is written only with `mutex` held, and read with it
/// held, except `taskCount` and `body`, which a worker reads while it runs a
/// job: they are written before the job is published and cleared only after
/// every worker checked out.
private final class PoolState: @unchecked Sendable {
  private let mutex = PoolMutex()
  private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Bumped by the caller to publish a job; a negative value means shut down.
  private var generation = 0
  /// The next task index to hand out.
  private var nextTask = 0
  private var taskCount = 0
  private var body: ((Int) -> Void)?
  /// Workers that have not yet finished the current job.
  private var busyWorkers = 0
  /// Workers parked on `wakeUp`.
  private var sleepers = 0

  /// How long an idle worker polls before parking, in nanoseconds.
  private static let spinNanoseconds = 1_000_000

  init() {
    pthread_cond_init(wakeUp, nil)
  }

  deinit {
    pthread_cond_destroy(wakeUp)
    wakeUp.deallocate()
  }

  /// Publishes a job, runs tasks on the calling thread too, and returns once
  /// every worker checked out. The caller takes task 0 as it publishes, and
  /// the last claim of each thread doubles as its check-out, so a two-task job
  /// takes the mutex about four times in all.
  func run(taskCount: Int, workers: Int, _ body: @escaping (Int) -> Void) {
    let wakeWorkers = mutex.withSpinLock {
      self.taskCount = taskCount
      self.body = body
      nextTask = 1
      busyWorkers = workers
      generation += 1
      return sleepers > 0
    }
    if wakeWorkers { pthread_cond_broadcast(wakeUp) }
    var task = 0
    var backoff = Backoff()
    while true {
      if task < taskCount { body(task) } else { backoff.pause() }
      let (next, finished) = mutex.withSpinLock {
        let next = claimTaskLocked()
        return (next, next >= taskCount && finishIfIdle())
      }
      if finished { return }
      task = next
    }
  }

  /// With the mutex held: whether every worker checked out, and if so, drops
  /// the job's closure.
  private func finishIfIdle() -> Bool {
    guard busyWorkers == 0 else { return false }
    body = nil
    return true
  }

  func shutDown() {
    mutex.lock()
    generation = -1
    mutex.unlock()
    pthread_cond_broadcast(wakeUp)
  }

  func workerLoop() {
    var seen = 0
    while true {
      let (generation, first) = waitForJob(after: seen)
      if generation < 0 { return }
      seen = generation
      // `taskCount` and `body` are written before the job is published and
      // cleared only after every worker checked out, so reading them without
      // the mutex here does not race.
      var task = first
      while task < taskCount {
        runTask(task)
        task = mutex.withSpinLock { claimOrCheckOutLocked() }
      }
    }
  }

  /// Runs one task of the published job. The job's closure is only borrowed
  /// from the caller, so the worker's reference to it ends with this call,
  /// before the worker checks out.
  @inline(never)
  private func runTask(_ task: Int) { body!(task) }

  /// With the mutex held: the next task index (at least `taskCount` when none is left).
  private func claimTaskLocked() -> Int {
    defer { nextTask += 1 }
    return nextTask
  }

  /// With the mutex held: a worker's next task, checking the worker out of the
  /// job when none is left.
  private func claimOrCheckOutLocked() -> Int {
    let task = claimTaskLocked()
    if task >= taskCount { busyWorkers -= 1 }
    return task
  }

  /// Polls, then parks, until the generation differs from `seen`; returns it
  /// and, unless it means shut down, the first task the worker claimed in the
  /// same hold of the mutex.
  private func waitForJob(after seen: Int) -> (generation: Int, task: Int) {
    let start = monotonicNanoseconds()
    var backoff = Backoff()
    while true {
      let found = mutex.withSpinLock { generation == seen ? nil : published() }
      if let found { return found }
      backoff.pause()
      if backoff.spins & 15 == 0 && monotonicNanoseconds() - start > Self.spinNanoseconds { break }
    }
    mutex.lock()
    defer { mutex.unlock() }
    sleepers += 1
    while generation == seen { pthread_cond_wait(wakeUp, mutex.raw) }
    sleepers -= 1
    return published()
  }

  /// With the mutex held: the new generation and the first task claimed from it.
  private func published() -> (generation: Int, task: Int) {
    (generation, generation < 0 ? 0 : claimOrCheckOutLocked())
  }
}

/// A POSIX mutex that busy paths take by spinning on `pthread_mutex_trylock`, so a
/// contended hand-off costs a few compare-and-swaps rather than a futex sleep and
/// wake-up; ``lock()`` blocks as usual, for paths that may wait long.
private final class PoolMutex: @unchecked Sendable {
  let raw = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

  init() { pthread_mutex_init(raw, nil) }

  deinit {
    pthread_mutex_destroy(raw)
    raw.deallocate()
  }

  func lock() { pthread_mutex_lock(raw) }

  func unlock() { pthread_mutex_unlock(raw) }

  /// Runs `body` with the mutex held, taken by spinning.
  func withSpinLock<T>(_ body: () -> T) -> T {
    var backoff = Backoff()
    while pthread_mutex_trylock(raw) != 0 { backoff.pause() }
    defer { pthread_mutex_unlock(raw) }
    return body()
  }
}

/// Waiting between polls of shared state. Polls are spaced out by about 100 ns
/// spent reading the clock (~40 ns a read through the vDSO), without touching
/// shared memory, so that a poller does not keep pulling the mutex's cache line
/// away from the thread that is about to take it. After a few microseconds every
/// poll also yields the processor, so when the OS puts the waiting thread on the
/// same core as the thread it waits for, that thread runs instead of waiting for
/// a time slice.
private struct Backoff {
  private(set) var spins = 0

  mutating func pause() {
    spins += 1
    if spins > 32 {
      sched_yield()
    } else {
      let end = monotonicNanoseconds() + 100
      while monotonicNanoseconds() < end {}
    }
  }
}

private func monotonicNanoseconds() -> Int {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return time.tv_sec * 1_000_000_000 + time.tv_nsec
}
"""###
    ),
    (
      "ConvolutionKernels.swift",
      ###"""
/// 2-D convolution of `[batch, C, H, W]` into `[batch, F, oh, ow]` with an
/// optional bias and activation, in `groups` groups. The forward pass is im2col
/// + one GEMM per group; the backward pass runs the ``ConvolutionVariant`` the
/// caller chose. Both take a per-plane hook for a pooling fused into the
/// convolution's output pass (the plane is `sample * F + filter`).
///
/// `workspace` holds ``workspace(_:filters:)`` floats per sample. The entry
/// points and the direct loops are `@inline(__always)`, so that an emitted call
/// with a literal geometry is specialized for it.
public enum ConvolutionKernels {
  /// Workspace floats per sample: room for the im2col columns (`C * kh * kw` x `P`;
  /// only a block of samples' worth is used at a time), then the GEMM result
  /// (forward) or the pre-activation gradient (backward), `F` x `P`, for `P`
  /// output positions.
  public static func workspace(_ g: ConvolutionGeometry, filters: Int) -> Int {
    (g.columnRows + filters) * g.outputPositions
  }

  /// Samples whose im2col columns fill about 512 KiB, so that the columns written by
  /// im2col are still in cache when the GEMM reads them (the whole batch's columns
  /// would spill to memory and back).
  static func samplesPerBlock(_ g: ConvolutionGeometry) -> Int {
    max(1, (1 << 17) / max(1, g.columnRows * g.outputPositions))
  }

  /// Per block of samples: im2col, then per group one GEMM
  /// `Z[F, batch * P] = W[F, C * kh * kw] * columns` with the bias (and a ReLU)
  /// fused as a per-row epilogue; then `Z` is transposed to `y[batch, F, P]`
  /// through the activation, keeping `Z` in `preActivation` when given (for an
  /// activation whose derivative needs its input; a ReLU runs inside the GEMM), and
  /// `planeEpilogue(plane, y + plane * P)` runs on each output plane while it
  /// is in cache.
  @inline(__always)
  public static func forward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, batch: Int, geometry g: ConvolutionGeometry, filters: Int, groups: Int,
    activation: ActivationKernel?, pool: ComputePool,
    planeEpilogue: (_ plane: Int, _ y: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    let positions = batch * g.outputPositions
    let depth = g.columnRows / groups
    let groupFilters = filters / groups
    let columns = workspace
    let product = columns + g.columnRows * positions
    let fusedReLU = activation == .relu
    let block = samplesPerBlock(g)
    for first in stride(from: 0, to: batch, by: block) {
      let samples = min(block, batch - first)
      let blockPositions = samples * g.outputPositions
      g.im2col(x + first * g.channels * g.height * g.width, batch: samples, into: columns, pool: pool)
      for group in 0..<groups {
        let epilogue = GEMMEpilogue(
          bias: bias.map { .perRow($0 + group * groupFilters) } ?? .none, activation: fusedReLU ? .relu : .identity)
        GEMM.sgemm(
          m: groupFilters, n: blockPositions, k: depth, a: weight + group * groupFilters * depth, lda: depth,
          b: columns + group * depth * blockPositions, ldb: blockPositions,
          c: product + group * groupFilters * positions + first * g.outputPositions, ldc: positions,
          epilogue: epilogue, pool: pool)
      }
    }
    let unfused = fusedReLU ? nil : activation
    let planeSize = g.outputPositions
    pool.parallelRanges(batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        let (sample, filter) = plane.quotientAndRemainder(dividingBy: filters)
        let z = product + filter * positions + sample * planeSize
        let y = y + plane * planeSize
        preActivation.map { ($0 + plane * planeSize).update(from: z, count: planeSize) }
        if let unfused { unfused.forward(z, y, count: planeSize) } else { y.update(from: z, count: planeSize) }
        planeEpilogue(plane, y)
      }
    }
  }

  /// The gradients of ``forward(y:preActivation:workspace:x:weight:bias:batch:geometry:filters:groups:activation:pool:planeEpilogue:)``:
  /// first `dZ`, plane by plane, from `dy` (or, when `dy` is nil, from
  /// `planeGradient(plane, dz)`, which writes a fused pooling's gradient) through
  /// the activation's derivative (which reads `preActivation` or the output `y`,
  /// as ``ActivationKernel/needsInput`` says); then `dBias`, `dWeight` and `dx`
  /// by `variant`. A nil gradient is skipped; each is added into when its
  /// `accumulate` flag is set.
  @inline(__always)
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    y: UnsafePointer<Float>?, preActivation: UnsafePointer<Float>?, dy: UnsafePointer<Float>?, batch: Int,
    geometry g: ConvolutionGeometry, filters: Int, groups: Int, activation: ActivationKernel?,
    variant: ConvolutionVariant, accumulateInput: Bool, accumulateWeight: Bool, accumulateBias: Bool,
    pool: ComputePool, planeGradient: (_ plane: Int, _ dz: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    let planeSize = g.outputPositions
    let positions = batch * planeSize
    // im2col keeps dZ in [F, batch * P] order after the columns; direct in [batch, F, P] order.
    let gradient = variant == .direct ? workspace : workspace + g.columnRows * positions
    pool.parallelRanges(batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        let (sample, filter) = plane.quotientAndRemainder(dividingBy: filters)
        let dz = variant == .direct ? gradient + plane * planeSize : gradient + filter * positions + sample * planeSize
        let source: UnsafePointer<Float>
        if let dy {
          source = dy + plane * planeSize
        } else {
          planeGradient(plane, dz)
          source = UnsafePointer(dz)
        }
        if let activation {
          activation.backward(
            input: activation.needsInput ? preActivation! + plane * planeSize : nil,
            output: activation.needsInput ? nil : y! + plane * planeSize, source, dz, count: planeSize,
            accumulate: false)
        } else if source != UnsafePointer(dz) {
          dz.update(from: source, count: planeSize)
        }
      }
    }
    switch variant {
    case .direct:
      if dWeight != nil || dBias != nil {
        directParameterGradients(
          dWeight: dWeight, dBias: dBias, x: x, dz: gradient, batch: batch, geometry: g, filters: filters,
          accumulateWeight: accumulateWeight, accumulateBias: accumulateBias, pool: pool)
      }
      if let dx {
        directInputGradient(
          dx: dx, dz: gradient, weight: weight, batch: batch, geometry: g, filters: filters,
          accumulate: accumulateInput, pool: pool)
      }
    case .im2col:
      if let dBias {
        for filter in 0..<filters {
          let sum = Reductions.sum(gradient + filter * positions, count: positions)
          if accumulateBias { dBias[filter] += sum } else { dBias[filter] = sum }
        }
      }
      im2colGradients(
        dx: dx, dWeight: dWeight, columns: workspace, dz: gradient, x: x, weight: weight, batch: batch,
        geometry: g, filters: filters, groups: groups, accumulateInput: accumulateInput,
        accumulateWeight: accumulateWeight, pool: pool)
    }
  }

  /// Per block of samples and per group: `dW += dZ * columnsᵀ` (columns
  /// recomputed by im2col) and `dColumns = Wᵀ * dZ`, scattered onto `dx` by
  /// col2im; `dz` is `[F, batch * P]`.
  static func im2colGradients(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, columns: UnsafeMutablePointer<Float>,
    dz: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int,
    geometry g: ConvolutionGeometry, filters: Int, groups: Int, accumulateInput: Bool, accumulateWeight: Bool,
    pool: ComputePool
  ) {
    guard dWeight != nil || dx != nil else { return }
    let positions = batch * g.outputPositions
    let depth = g.columnRows / groups
    let groupFilters = filters / groups
    let sampleSize = g.channels * g.height * g.width
    let block = samplesPerBlock(g)
    for first in stride(from: 0, to: batch, by: block) {
      let samples = min(block, batch - first)
      let blockPositions = samples * g.outputPositions
      let blockGradient = dz + first * g.outputPositions
      if let dWeight {
        g.im2col(x + first * sampleSize, batch: samples, into: columns, pool: pool)
        for group in 0..<groups {
          GEMM.sgemm(
            transposeB: true, m: groupFilters, n: depth, k: blockPositions,
            a: blockGradient + group * groupFilters * positions, lda: positions,
            b: columns + group * depth * blockPositions, ldb: blockPositions,
            beta: first == 0 && !accumulateWeight ? 0 : 1, c: dWeight + group * groupFilters * depth, ldc: depth,
            pool: pool)
        }
      }
      if let dx {
        for group in 0..<groups {
          GEMM.sgemm(
            transposeA: true, m: depth, n: blockPositions, k: groupFilters,
            a: weight + group * groupFilters * depth, lda: depth,
            b: blockGradient + group * groupFilters * positions, ldb: positions,
            c: columns + group * depth * blockPositions, ldc: blockPositions, pool: pool)
        }
        g.col2im(columns, batch: samples, into: dx + first * sampleSize, accumulate: accumulateInput, pool: pool)
      }
    }
  }

  /// `dW[f, c, kh, kw]` = the sum over samples and positions of `dZ` times the
  /// input under the tap, accumulated per tap along output rows (vectorizable)
  /// and summed at the end; `dBias[f]` = the sum of `dZ`. Split over filters;
  /// `dz` is `[batch, F, P]`. Stride-1 rows read the input contiguously.
  @inline(__always)
  static func directParameterGradients(
    dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    dz: UnsafePointer<Float>, batch: Int, geometry g: ConvolutionGeometry, filters: Int, accumulateWeight: Bool,
    accumulateBias: Bool, pool: ComputePool
  ) {
    let (taps, width, plane) = (g.columnRows, g.outputWidth, g.outputPositions)
    let columns = columnRanges(g)
    pool.parallelRanges(filters, grain: 1) { filterRange in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: (taps + 1) * width) { buffer in
        let sums = buffer.baseAddress!
        for filter in filterRange {
          sums.update(repeating: 0, count: (taps + 1) * width)
          for sample in 0..<batch {
            let input = x + sample * g.channels * g.height * g.width
            for oh in 0..<g.outputHeight {
              let dz = dz + (sample * filters + filter) * plane + oh * width
              let biasRow = sums + taps * width
              for ow in 0..<width { biasRow[ow] += dz[ow] }
              forEachTapRow(g, oh: oh, columns: columns) { tap, row, valid in
                let (sum, inputRow) = (sums + tap * width, input + row)
                if g.strideWidth == 1 {
                  for ow in valid { sum[ow] += dz[ow] * inputRow[ow] }
                } else {
                  for ow in valid { sum[ow] += dz[ow] * inputRow[ow * g.strideWidth] }
                }
              }
            }
          }
          if let dWeight {
            let dw = dWeight + filter * taps
            for tap in 0..<taps {
              var total: Float = 0
              for ow in 0..<width { total += sums[tap * width + ow] }
              if accumulateWeight { dw[tap] += total } else { dw[tap] = total }
            }
          }
          if let dBias {
            var total: Float = 0
            for ow in 0..<width { total += sums[taps * width + ow] }
            if accumulateBias { dBias[filter] += total } else { dBias[filter] = total }
          }
        }
      }
    }
  }

  /// `dX[c, ih, iw] += W[f, c, kh, kw] * dZ[f, oh, ow]` for every tap, as row
  /// scatters; split over samples; `dz` is `[batch, F, P]`.
  @inline(__always)
  static func directInputGradient(
    dx: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int,
    geometry g: ConvolutionGeometry, filters: Int, accumulate: Bool, pool: ComputePool
  ) {
    let (taps, width, plane) = (g.columnRows, g.outputWidth, g.outputPositions)
    let sampleSize = g.channels * g.height * g.width
    let columns = columnRanges(g)
    pool.parallelRanges(batch, grain: 1) { samples in
      for sample in samples {
        let input = dx + sample * sampleSize
        if !accumulate { input.update(repeating: 0, count: sampleSize) }
        for filter in 0..<filters {
          let w = weight + filter * taps
          for oh in 0..<g.outputHeight {
            let dz = dz + (sample * filters + filter) * plane + oh * width
            forEachTapRow(g, oh: oh, columns: columns) { tap, row, valid in
              let (tapWeight, inputRow) = (w[tap], input + row)
              if g.strideWidth == 1 {
                for ow in valid { inputRow[ow] += tapWeight * dz[ow] }
              } else {
                for ow in valid { inputRow[ow * g.strideWidth] += tapWeight * dz[ow] }
              }
            }
          }
        }
      }
    }
  }

  /// Per kernel column `kw`, the output columns whose input column
  /// `ow * strideWidth + kw - padLeft` lies inside the row (computed once per
  /// call: the divisions would cost more than the row loops they bound).
  static func columnRanges(_ g: ConvolutionGeometry) -> [Range<Int>] {
    (0..<g.kernelWidth).map { kw in
      ConvolutionGeometry.validOutputs(
        offset: kw - g.padLeft, stride: g.strideWidth, size: g.width, count: g.outputWidth)
    }
  }

  /// Calls `body(tap, row, valid)` for every tap `(c, kh, kw)` whose input row
  /// under output row `oh` is inside the sample: `row` is the offset in the
  /// sample such that `row + ow * strideWidth` is the input under output column
  /// `ow`, for the columns `valid` (``columnRanges(_:)``) that fall inside the row.
  @inline(__always)
  static func forEachTapRow(
    _ g: ConvolutionGeometry, oh: Int, columns: [Range<Int>], _ body: (Int, Int, Range<Int>) -> Void
  ) {
    columns.withUnsafeBufferPointer { columns in
      for c in 0..<g.channels {
        for kh in 0..<g.kernelHeight {
          let ih = oh * g.strideHeight + kh - g.padTop
          guard ih >= 0 && ih < g.height else { continue }
          let row = (c * g.height + ih) * g.width
          for kw in 0..<g.kernelWidth where !columns[kw].isEmpty {
            body((c * g.kernelHeight + kh) * g.kernelWidth + kw, row + kw - g.padLeft, columns[kw])
          }
        }
      }
    }
  }
}
"""###
    ),
    (
      "ConvolutionVariant.swift",
      ###"""
/// Which algorithm a convolution's backward pass runs, decided once from the
/// static shapes (``init(_:groups:)``) for both the interpreter and the
/// emitted code. The forward pass is always im2col + GEMM (measured, the
/// direct form was no faster there).
public enum ConvolutionVariant: Sendable, Equatable {
  /// im2col + GEMM: `dW += dZ * columnsᵀ`, `dColumns = Wᵀ * dZ` scattered by col2im.
  case im2col
  /// Direct loops over the taps (``ConvolutionKernels``), for few taps per output
  /// (e.g. a first layer on 1- or 3-channel images): there the weight gradient is
  /// a product with a tiny output (`F x C*kh*kw`) and a huge reduction (every
  /// position of the batch), which the GEMM runs on one thread after writing the
  /// whole column matrix; the direct loops read the input in place and split over
  /// filters (dW) and samples (dX).
  case direct

  /// The most taps per output (`C * kh * kw`) for which the direct form is used.
  public static let maximumTaps = 32

  /// The variant for a convolution of geometry `g` in `groups` groups: direct
  /// for an ungrouped, undilated convolution with a real window (a 1x1
  /// convolution's columns are its input, so im2col costs nothing there) and
  /// at most ``maximumTaps`` taps.
  public init(_ g: ConvolutionGeometry, groups: Int) {
    let direct =
      groups == 1 && g.dilationHeight == 1 && g.dilationWidth == 1 && g.columnRows <= Self.maximumTaps
      && g.kernelHeight * g.kernelWidth > 1
    self = direct ? .direct : .im2col
  }

  /// This variant as a Swift expression, for emitted code (`.direct`).
  public var swiftLiteral: String { self == .direct ? ".direct" : ".im2col" }
}
"""###
    ),
    (
      "CopyKernel.swift",
      ###"""
/// Copies of float runs: the forward pass of data-movement ops (flatten,
/// reshape, concat) and gradients that flow through unchanged (add, the
/// identity dropout), honouring the accumulate flag of a gradient.
public enum CopyKernel {
  /// `dst[i] = src[i]`, or `dst[i] += src[i]` when `accumulate` is set, for
  /// `i < count`. The buffers must not overlap.
  @inline(__always)
  public static func copy(
    _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false
  ) {
    if accumulate {
      for i in 0..<count { dst[i] += src[i] }
    } else {
      dst.update(from: src, count: count)
    }
  }
}
"""###
    ),
    (
      "DenseKernels.swift",
      ###"""
/// A fully connected layer on `rows` rows: `y = f(x Wᵀ + b)` with `x` `[rows, features]`,
/// the weight `W` `[units, features]` (PyTorch's layout) and the bias `[units]`.
public enum DenseKernels {
  /// One GEMM with the bias (and a ReLU) fused as its epilogue, into
  /// `preActivation` when given (an activation whose derivative needs its
  /// input), else into `y`; then any other activation into `y`.
  @inline(__always)
  public static func forward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, features: Int, units: Int,
    activation: ActivationKernel?, pool: ComputePool
  ) {
    let fusedReLU = activation == .relu
    let z = preActivation ?? y
    GEMM.sgemm(
      transposeB: true, m: rows, n: units, k: features, a: x, lda: features, b: weight, ldb: features, c: z,
      ldc: units,
      epilogue: GEMMEpilogue(bias: bias.map { .perColumn($0) } ?? .none, activation: fusedReLU ? .relu : .identity),
      pool: pool)
    if let activation, !fusedReLU { activation.forward(z, y, count: rows * units) }
  }

  /// `dZ = dY * f'(Z)` in `workspace` (`rows * units` floats), reading
  /// `preActivation` or the output `y` as ``ActivationKernel/needsInput`` says (with no
  /// activation, or one whose mask the consumer already applied, `dZ = dY`),
  /// then `dx = dZ W` (through the producer's ReLU mask `reluMask`, its output,
  /// when given; it zeroes whole elements of `dx`, so it is only given for a
  /// written one), `dWeight = dZᵀ x` and `dBias` = the column sums of `dZ`. A nil
  /// gradient is skipped; each is added into when its `accumulate` flag is set.
  @inline(__always)
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    y: UnsafePointer<Float>?, preActivation: UnsafePointer<Float>?, dy: UnsafePointer<Float>,
    reluMask: UnsafePointer<Float>?, rows: Int, features: Int, units: Int, activation: ActivationKernel?,
    accumulateInput: Bool, accumulateWeight: Bool, accumulateBias: Bool, pool: ComputePool
  ) {
    var dz = dy
    if let activation {
      activation.backward(input: preActivation, output: y, dy, workspace!, count: rows * units, accumulate: false)
      dz = UnsafePointer(workspace!)
    }
    if let dx {
      let mask = reluMask.map { GEMMEpilogue(bias: .none, activation: .reluGradient(input: $0, ld: features)) }
      GEMM.sgemm(
        m: rows, n: features, k: units, a: dz, lda: units, b: weight, ldb: features, beta: accumulateInput ? 1 : 0,
        c: dx, ldc: features, epilogue: mask ?? .none, pool: pool)
    }
    if let dWeight {
      GEMM.sgemm(
        transposeA: true, m: units, n: features, k: rows, a: dz, lda: units, b: x, ldb: features,
        beta: accumulateWeight ? 1 : 0, c: dWeight, ldc: features, pool: pool)
    }
    if let dBias {
      BiasGradient.columnSums(dz, rows: rows, columns: units, into: dBias, accumulate: accumulateBias)
    }
  }
}
"""###
    ),
    (
      "ElementwiseKernels.swift",
      ###"""
/// Element-wise arithmetic of same-shaped tensors (the merge ops) and dropout.
/// `y` may be one of the inputs.
public enum ElementwiseKernels {
  /// `y = a + b`.
  public static func add(y: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int) {
    for e in 0..<count { y[e] = a[e] + b[e] }
  }

  /// `y = a * b`, added into `y` when `accumulate` is set.
  public static func multiply(
    y: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int,
    accumulate: Bool = false
  ) {
    if accumulate {
      for e in 0..<count { y[e] += a[e] * b[e] }
    } else {
      for e in 0..<count { y[e] = a[e] * b[e] }
    }
  }

  /// Inverted dropout while training: `mask[i]` is 0 (dropped, with probability
  /// `rate`) or `1 / (1 - rate)` (kept), drawn from `SplitMix64(seed:)` one
  /// draw per element in order; `y = x * mask`.
  public static func dropout(
    y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count: Int,
    rate: Float, seed: UInt64
  ) {
    let keepScale = 1 / (1 - rate)
    var random = SplitMix64(seed: seed)
    for i in 0..<count {
      mask[i] = random.nextFloat() < rate ? 0 : keepScale
      y[i] = x[i] * mask[i]
    }
  }
}
"""###
    ),
    (
      "EmbeddingKernels.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Table lookups: token embeddings (ids stored as floats) and positional
/// encodings added to `[batch, steps, width]` sequences.
public enum EmbeddingKernels {
  /// The table row of an id stored as a float; ids outside `0..<vocab` are a data
  /// error that must not read or write outside the table.
  @inline(__always)
  static func row(_ id: Float, vocab: Int) -> Int {
    precondition(id >= 0 && id < Float(vocab), "token id \(id) is outside 0..<\(vocab)")
    return Int(id)
  }

  /// `y[r] = multiplier * weight[ids[r]]` for `count` ids, rows of `dim` floats.
  public static func lookup(
    y: UnsafeMutablePointer<Float>, ids: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, vocab: Int,
    dim: Int, multiplier: Float
  ) {
    for r in 0..<count {
      let (source, destination) = (weight + row(ids[r], vocab: vocab) * dim, y + r * dim)
      for j in 0..<dim { destination[j] = multiplier * source[j] }
    }
  }

  /// Scatter-adds `multiplier * dy[r]` into row `ids[r]` of `dWeight`, after
  /// zeroing the whole table gradient unless `accumulate` is set.
  public static func lookupBackward(
    dWeight: UnsafeMutablePointer<Float>, ids: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int, vocab: Int,
    dim: Int, multiplier: Float, accumulate: Bool
  ) {
    if !accumulate { dWeight.update(repeating: 0, count: vocab * dim) }
    for r in 0..<count {
      let (destination, source) = (dWeight + row(ids[r], vocab: vocab) * dim, dy + r * dim)
      for j in 0..<dim { destination[j] += multiplier * source[j] }
    }
  }

  /// Row `step` of the Transformer's table: `PE[2i] = sin(step / 10000^(2i / width))`,
  /// `PE[2i + 1] = cos(...)` (computed in double precision, then rounded).
  public static func sinusoid(row: UnsafeMutablePointer<Float>, step: Int, width: Int) {
    for i in 0..<(width / 2) {
      let angle = Double(step) * exp(-log(10_000.0) * Double(2 * i) / Double(width))
      row[2 * i] = Float(sin(angle))
      row[2 * i + 1] = Float(cos(angle))
    }
  }

  /// `y[n, t] = x[n, t] + PE[t]`, with `PE` the rows of `table`, or when it is
  /// nil the sinusoidal rows, computed one at a time into `workspace` (`width` floats).
  public static func addPositions(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, table: UnsafePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>?, batch: Int, steps: Int, width: Int
  ) {
    for t in 0..<steps {
      let position: UnsafePointer<Float>
      if let table {
        position = table + t * width
      } else {
        sinusoid(row: workspace!, step: t, width: width)
        position = UnsafePointer(workspace!)
      }
      for n in 0..<batch {
        let offset = (n * steps + t) * width
        let (x, y) = (x + offset, y + offset)
        for j in 0..<width { y[j] = x[j] + position[j] }
      }
    }
  }

  /// The learned table's gradient: row `t` receives the sum over the batch of
  /// `dy[n, t]`; the table has `rows` rows (those past the sequence get none)
  /// and is zeroed first unless `accumulate` is set.
  public static func addPositionsBackward(
    dTable: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, batch: Int, steps: Int, width: Int, rows: Int,
    accumulate: Bool
  ) {
    if !accumulate { dTable.update(repeating: 0, count: rows * width) }
    for n in 0..<batch {
      for t in 0..<steps {
        let (row, source) = (dTable + t * width, dy + (n * steps + t) * width)
        for j in 0..<width { row[j] += source[j] }
      }
    }
  }
}
"""###
    ),
    (
      "GEMM.swift",
      ###"""
/// Single-precision general matrix multiplication on row-major matrices.
public enum GEMM {
  /// `C = alpha * op(A) * op(B) + beta * C`, then the epilogue, on row-major
  /// matrices, where `op(X)` is `X` or its transpose.
  ///
  /// - Parameters:
  ///   - transposeA: `op(A) = Aᵀ`: `a` holds a `k x m` matrix; otherwise `m x k`.
  ///   - transposeB: `op(B) = Bᵀ`: `b` holds an `n x k` matrix; otherwise `k x n`.
  ///   - m: Rows of op(A) and C.
  ///   - n: Columns of op(B) and C.
  ///   - k: Columns of op(A), rows of op(B).
  ///   - alpha: Scales the product.
  ///   - a: A's first element.
  ///   - lda: Floats between consecutive rows of A as stored (at least its width).
  ///   - b: B's first element.
  ///   - ldb: Floats between consecutive rows of B as stored (at least its width).
  ///   - beta: Scales C's old value; with `beta == 0`, C is not read, so it may hold
  ///     garbage (NaN, uninitialized memory).
  ///   - c: C's first element, `m x n`; must not overlap A or B.
  ///   - ldc: Floats between consecutive rows of C (at least `n`).
  ///   - epilogue: Bias and activation applied to each finished tile of C.
  ///   - pool: The threads to use; a large enough product is split across all of
  ///     them, a small one runs on the calling thread.
  ///
  /// Backward passes use the transposes: for `Y = X * W`, `dX = dY * Wᵀ` is
  /// `transposeB: true` and `dW = Xᵀ * dY` is `transposeA: true`.
  public static func sgemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    epilogue: GEMMEpilogue = .none,
    pool: ComputePool = .shared
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(lda >= max(1, transposeA ? m : k), "lda is smaller than a row of A")
    precondition(ldb >= max(1, transposeB ? k : n), "ldb is smaller than a row of B")
    precondition(ldc >= max(1, n), "ldc is smaller than a row of C")
    if m == 0 || n == 0 { return }
    let operands = GEMMOperands(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, epilogue: epilogue)
    if k == 0 || alpha == 0 {
      operands.scaleC()
      return
    }
    let split = WorkSplit(m: m, n: n, k: k, threads: pool.threadCount)
    pool.parallelFor(split.tasks) { task in
      if m == 1 {
        operands.computeSingleRow(columns: split.columns(task), workspace: pool.workspaces[task])
      } else {
        operands.compute(rows: split.rows(task), columns: split.columns(task), workspace: pool.workspaces[task])
      }
    }
  }
}

extension GEMMOperands {
  /// `C = beta * C` and the epilogue: the whole GEMM when the product term vanishes.
  func scaleC() {
    for i in 0..<m {
      let row = c + i * ldc
      for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
    }
    epilogue.apply(to: c, ldc: ldc, rows: 0..<m, columns: 0..<n)
  }
}

/// How one GEMM is cut into one rectangle of C per thread: along N in whole
/// micro-panels or along M in whole micro-tiles, whichever leaves the busiest thread
/// the least work. Each thread packs the whole of the operand that is not cut, so
/// the estimate counts packing as well as (padded) multiply-adds.
struct WorkSplit: Sendable {
  private let m: Int
  private let n: Int
  private let alongColumns: Bool
  let tasks: Int

  /// Products below this many multiply-adds run on one thread: dispatch and the
  /// duplicated packing would cost more than the second core saves.
  static let minimumParallelWork = 1 << 17
  /// The cost of packing one element, in multiply-adds.
  private static let packingCost = 16

  init(m: Int, n: Int, k: Int, threads: Int) {
    self.m = m
    self.n = n
    let columnPanels = (n + WideRow.width - 1) / WideRow.width
    let rowPanels = (m + microKernelRows - 1) / microKernelRows
    let parallel = m * n * k >= Self.minimumParallelWork ? threads : 1
    let columnTasks = min(parallel, columnPanels)
    let rowTasks = min(parallel, rowPanels)
    // The busiest thread's work for each way of cutting.
    let columnCost =
      ((columnPanels + columnTasks - 1) / columnTasks * WideRow.width) * (rowPanels * microKernelRows) * k
      + Self.packingCost * (m + n / columnTasks) * k
    let rowCost =
      ((rowPanels + rowTasks - 1) / rowTasks * microKernelRows) * (columnPanels * WideRow.width) * k
      + Self.packingCost * (m / rowTasks + n) * k
    alongColumns = columnCost <= rowCost
    tasks = alongColumns ? columnTasks : rowTasks
  }

  func rows(_ task: Int) -> Range<Int> {
    alongColumns ? 0..<m : Self.share(task, of: m, granule: microKernelRows, tasks: tasks)
  }

  func columns(_ task: Int) -> Range<Int> {
    alongColumns ? Self.share(task, of: n, granule: WideRow.width, tasks: tasks) : 0..<n
  }

  /// Task `task`'s part of `0..<count`, cut on multiples of `granule`.
  private static func share(_ task: Int, of count: Int, granule: Int, tasks: Int) -> Range<Int> {
    let granules = (count + granule - 1) / granule
    let start = min(count, (granules * task / tasks) * granule)
    let end = min(count, (granules * (task + 1) / tasks) * granule)
    return start..<end
  }
}
"""###
    ),
    (
      "GEMMDriver.swift",
      ###"""
/// Cache blocking of the GEMM loop nest (BLIS order: columns, depth, rows, then
/// micro-tiles). Tuned on an AVX-512 Xeon (48 KiB L1d, 2 MiB L2 per core).
enum GEMMBlocking {
  /// `kc`: the depth of a packed block. One packed B micro-panel (`depth x 32`
  /// floats) stays in L1 while A micro-panels stream past it.
  static let depth = 256
  /// `mc`: rows of op(A) packed at once (a multiple of `microKernelRows`); the packed
  /// A block stays in L2.
  static let rows = 16 * microKernelRows
  /// `nc`: columns of op(B) packed at once (a multiple of `WideRow.width`).
  static let columns = 4096
}

/// The arguments of one GEMM call, shared by the tasks that compute parts of C.
struct GEMMOperands: @unchecked Sendable {
  var transposeA: Bool
  var transposeB: Bool
  var m: Int
  var n: Int
  var k: Int
  var alpha: Float
  var a: UnsafePointer<Float>
  var lda: Int
  var b: UnsafePointer<Float>
  var ldb: Int
  var beta: Float
  var c: UnsafeMutablePointer<Float>
  var ldc: Int
  var epilogue: GEMMEpilogue

  /// Computes `C[rows, columns]` on the calling thread with `workspace`'s buffers.
  func compute(rows: Range<Int>, columns: Range<Int>, workspace: KernelWorkspace) {
    if transposeA {
      compute(DepthMajorPanel.self, rows: rows, columns: columns, workspace: workspace)
    } else {
      compute(RowMajorPanel.self, rows: rows, columns: columns, workspace: workspace)
    }
  }

  private func compute<Layout: PackedALayout>(
    _ layout: Layout.Type, rows: Range<Int>, columns: Range<Int>, workspace: KernelWorkspace
  ) {
    let panelRows = (min(GEMMBlocking.rows, rows.count) + microKernelRows - 1) / microKernelRows
    let panelColumns = (min(GEMMBlocking.columns, columns.count) + WideRow.width - 1) / WideRow.width
    workspace.reserve(
      packedA: panelRows * packedAPanelSize,
      packedB: panelColumns * WideRow.width * min(GEMMBlocking.depth, k),
      edgeTile: microKernelRows * WideRow.width)
    let packedA = workspace.packedA.pointer
    let packedB = workspace.packedB.pointer
    let edgeTile = workspace.edgeTile.pointer

    for left in stride(from: columns.lowerBound, to: columns.upperBound, by: GEMMBlocking.columns) {
      let blockColumns = left..<min(left + GEMMBlocking.columns, columns.upperBound)
      for front in stride(from: 0, to: k, by: GEMMBlocking.depth) {
        let depth = front..<min(front + GEMMBlocking.depth, k)
        let blockBeta = front == 0 ? beta : 1
        let finishes = depth.upperBound == k && !epilogue.isNone
        packB(depth: depth, columns: blockColumns, into: packedB)
        for top in stride(from: rows.lowerBound, to: rows.upperBound, by: GEMMBlocking.rows) {
          let blockRows = top..<min(top + GEMMBlocking.rows, rows.upperBound)
          packA(layout, rows: blockRows, depth: depth, into: packedA)
          var bPanel = UnsafePointer(packedB)
          for tileLeft in stride(from: blockColumns.lowerBound, to: blockColumns.upperBound, by: WideRow.width) {
            let width = min(WideRow.width, blockColumns.upperBound - tileLeft)
            var aPanel = UnsafePointer(packedA)
            for tileTop in stride(from: blockRows.lowerBound, to: blockRows.upperBound, by: microKernelRows) {
              let height = min(microKernelRows, blockRows.upperBound - tileTop)
              let tile = c + tileTop * ldc + tileLeft
              if width <= NarrowRow.width {
                computeTile(
                  NarrowRow.self, layout, depth: depth.count, a: aPanel, b: bPanel, tile: tile,
                  height: height, width: width, beta: blockBeta, edgeTile: edgeTile)
              } else {
                computeTile(
                  WideRow.self, layout, depth: depth.count, a: aPanel, b: bPanel, tile: tile,
                  height: height, width: width, beta: blockBeta, edgeTile: edgeTile)
              }
              if finishes {
                epilogue.apply(
                  to: c, ldc: ldc, rows: tileTop..<tileTop + height, columns: tileLeft..<tileLeft + width)
              }
              aPanel += packedAPanelSize
            }
            bPanel += depth.count * WideRow.width
          }
        }
      }
    }
  }

  /// Runs the micro-kernel for one tile; a ragged tile goes through `edgeTile` and
  /// only its `height x width` part is merged into C.
  @inline(__always)
  private func computeTile<Row: MicroKernelRow, Layout: PackedALayout>(
    _ row: Row.Type, _ layout: Layout.Type, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    tile: UnsafeMutablePointer<Float>, height: Int, width: Int, beta: Float,
    edgeTile: UnsafeMutablePointer<Float>
  ) {
    if height == microKernelRows && width == Row.width {
      microKernel(row, layout, depth: depth, a: a, b: b, c: tile, ldc: ldc, alpha: alpha, beta: beta)
      return
    }
    microKernel(row, layout, depth: depth, a: a, b: b, c: edgeTile, ldc: Row.width, alpha: 1, beta: 0)
    for i in 0..<height {
      let source = edgeTile + i * Row.width
      let destination = tile + i * ldc
      if beta == 0 {
        for j in 0..<width { destination[j] = alpha * source[j] }
      } else {
        for j in 0..<width { destination[j] = alpha * source[j] + beta * destination[j] }
      }
    }
  }
}
"""###
    ),
    (
      "GEMMEpilogue.swift",
      ###"""
/// Element-wise work that ``GEMM`` applies to each tile of C right after computing
/// it, while the tile is still in cache:
///
///     C = activation(alpha * op(A) * op(B) + beta * C + bias)
///
/// This fuses a dense layer's bias and activation (`.init(bias: .perColumn(b),
/// activation: .relu)`), a convolution's per-channel bias (`.perRow` when output
/// channels are the rows of C) and, in the backward pass, ReLU's gradient mask
/// into the GEMM instead of extra passes over memory.
///
/// The pointers are read during the ``GEMM/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:epilogue:pool:)``
/// call only.
public struct GEMMEpilogue {
  /// A bias added to every element of C.
  public enum Bias {
    /// No bias.
    case none
    /// `C[i, j] += bias[j]`: `n` floats, one per column (a dense layer's bias).
    case perColumn(UnsafePointer<Float>)
    /// `C[i, j] += bias[i]`: `m` floats, one per row.
    case perRow(UnsafePointer<Float>)
  }

  /// The last step, applied after the bias.
  public enum Activation {
    /// Leaves the value as it is.
    case identity
    /// `max(x, 0)`; NaN stays NaN.
    case relu
    /// ReLU's backward mask: keeps `C[i, j]` where `input[i * ld + j] > 0` and zeroes
    /// it elsewhere. `input` is the forward pass's ReLU input (or output) with the
    /// shape of C, `ld` floats between rows.
    case reluGradient(input: UnsafePointer<Float>, ld: Int)
  }

  /// Added first.
  public var bias: Bias
  /// Applied to the biased value.
  public var activation: Activation

  /// An epilogue adding `bias`, then applying `activation`.
  public init(bias: Bias = .none, activation: Activation = .identity) {
    self.bias = bias
    self.activation = activation
  }

  /// Plain GEMM: no bias, no activation.
  public static var none: GEMMEpilogue { GEMMEpilogue() }

  var isNone: Bool {
    if case .none = bias, case .identity = activation { return true }
    return false
  }

  /// Applies the epilogue to `C[rows, columns]`, where `c` points at `C[0, 0]`.
  func apply(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, columns: Range<Int>) {
    let lanes = KernelVector.scalarCount
    for i in rows {
      let row = c + i * ldc
      var j = columns.lowerBound
      while j + lanes <= columns.upperBound {
        storeVector(finish(loadVector(row + j), i, j), to: row + j)
        j += lanes
      }
      while j < columns.upperBound {
        row[j] = finish(row[j], i, j)
        j += 1
      }
    }
  }

  @inline(__always)
  private func finish(_ x: KernelVector, _ i: Int, _ j: Int) -> KernelVector {
    var x = x
    switch bias {
    case .none: break
    case .perColumn(let bias): x += loadVector(bias + j)
    case .perRow(let bias): x += bias[i]
    }
    switch activation {
    case .identity: break
    case .relu: x.replace(with: 0, where: x .< 0)
    case .reluGradient(let input, let ld): x.replace(with: 0, where: .!(loadVector(input + i * ld + j) .> 0))
    }
    return x
  }

  @inline(__always)
  private func finish(_ x: Float, _ i: Int, _ j: Int) -> Float {
    var x = x
    switch bias {
    case .none: break
    case .perColumn(let bias): x += bias[j]
    case .perRow(let bias): x += bias[i]
    }
    switch activation {
    case .identity: break
    case .relu: if x < 0 { x = 0 }
    case .reluGradient(let input, let ld): if !(input[i * ld + j] > 0) { x = 0 }
    }
    return x
  }
}
"""###
    ),
    (
      "GEMMMicroKernel.swift",
      ###"""
/// One row of a micro-kernel's C tile, held in registers.
///
/// ``WideRow`` (two vectors) is the workhorse; ``NarrowRow`` (one vector) serves the
/// last panel of a matrix whose width leaves half a panel or less, so narrow outputs
/// do not pay for a full-width tile.
protocol MicroKernelRow {
  /// The packed-B values for one `k`: `width` floats.
  associatedtype Panel
  /// Columns of C covered by the row.
  static var width: Int { get }
  init()
  static func loadPanel(_ b: UnsafePointer<Float>) -> Panel
  /// `self += a * panel`.
  mutating func accumulate(_ a: Float, _ panel: Panel)
  /// `c = alpha * self + beta * c`; `c` is not read when `beta == 0`.
  func store(to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float)
}

struct WideRow: MicroKernelRow {
  private var low = KernelVector()
  private var high = KernelVector()

  static var width: Int { 2 * KernelVector.scalarCount }

  @inline(__always)
  static func loadPanel(_ b: UnsafePointer<Float>) -> (KernelVector, KernelVector) {
    (loadVector(b), loadVector(b + KernelVector.scalarCount))
  }

  @inline(__always)
  mutating func accumulate(_ a: Float, _ panel: (KernelVector, KernelVector)) {
    let a = KernelVector(repeating: a)
    low = multiplyAdd(low, a, panel.0)
    high = multiplyAdd(high, a, panel.1)
  }

  @inline(__always)
  func store(to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float) {
    storeVector(low, to: c, alpha: alpha, beta: beta)
    storeVector(high, to: c + KernelVector.scalarCount, alpha: alpha, beta: beta)
  }
}

struct NarrowRow: MicroKernelRow {
  private var value = KernelVector()

  static var width: Int { KernelVector.scalarCount }

  @inline(__always)
  static func loadPanel(_ b: UnsafePointer<Float>) -> KernelVector { loadVector(b) }

  @inline(__always)
  mutating func accumulate(_ a: Float, _ panel: KernelVector) {
    value = multiplyAdd(value, KernelVector(repeating: a), panel)
  }

  @inline(__always)
  func store(to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float) {
    storeVector(value, to: c, alpha: alpha, beta: beta)
  }
}

@inline(__always)
func loadVector(_ pointer: UnsafePointer<Float>) -> KernelVector {
  UnsafeRawPointer(pointer).loadUnaligned(as: KernelVector.self)
}

@inline(__always)
func storeVector(_ value: KernelVector, to pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: KernelVector.self)
}

@inline(__always)
private func storeVector(
  _ accumulator: KernelVector, to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float
) {
  if beta == 0 {
    storeVector(alpha * accumulator, to: c)
  } else {
    storeVector(multiplyAdd(KernelVector(repeating: beta) * loadVector(c), alpha, accumulator), to: c)
  }
}

/// How a packed A micro-panel is laid out: `op(A)[top + r, k]` sits at
/// `r * rowStride + k * depthStride`. Both strides are compile-time constants, so the
/// micro-kernel reaches every row from one pointer with fixed offsets.
protocol PackedALayout {
  static var rowStride: Int { get }
  static var depthStride: Int { get }
}

/// Rows of the panel are runs of `k`: packing plain `A` copies row segments.
enum RowMajorPanel: PackedALayout {
  /// The extra cache line keeps the rows of a panel out of each other's cache sets.
  static var rowStride: Int { GEMMBlocking.depth + 16 }
  static var depthStride: Int { 1 }
}

/// Each `k` holds the panel's rows side by side: packing `Aᵀ` copies row segments.
enum DepthMajorPanel: PackedALayout {
  static var rowStride: Int { 1 }
  static var depthStride: Int { microKernelRows }
}

/// Floats reserved for one packed A micro-panel, in either layout.
let packedAPanelSize = microKernelRows * RowMajorPanel.rowStride

/// The register-blocked GEMM micro-kernel:
/// `C[0..<microKernelRows, 0..<Row.width] = alpha * Ap * Bp + beta * C`.
///
/// - `a`: a packed A micro-panel laid out as `Layout` says.
/// - `b`: a packed B micro-panel; `k` holds `Row.width` floats at `b + k * Row.width`.
/// - `c`: the top-left element of the tile, rows `ldc` floats apart.
///
/// Each `k` step loads one B panel and broadcasts one A value per row into
/// `microKernelRows` rows of accumulators (6 or 12; rows past it compile away).
@inline(__always)
func microKernel<Row: MicroKernelRow, Layout: PackedALayout>(
  _: Row.Type, _: Layout.Type, depth: Int,
  a: UnsafePointer<Float>, b: UnsafePointer<Float>,
  c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
) {
  let stride = Layout.rowStride
  var c0 = Row(), c1 = Row(), c2 = Row(), c3 = Row(), c4 = Row(), c5 = Row()
  var c6 = Row(), c7 = Row(), c8 = Row(), c9 = Row(), c10 = Row(), c11 = Row()
  var a = a
  var b = b
  for _ in 0..<depth {
    let panel = Row.loadPanel(b)
    c0.accumulate(a[0], panel)
    c1.accumulate(a[stride], panel)
    c2.accumulate(a[2 * stride], panel)
    c3.accumulate(a[3 * stride], panel)
    c4.accumulate(a[4 * stride], panel)
    c5.accumulate(a[5 * stride], panel)
    if microKernelRows > 6 {
      c6.accumulate(a[6 * stride], panel)
      c7.accumulate(a[7 * stride], panel)
      c8.accumulate(a[8 * stride], panel)
      c9.accumulate(a[9 * stride], panel)
      c10.accumulate(a[10 * stride], panel)
      c11.accumulate(a[11 * stride], panel)
    }
    a += Layout.depthStride
    b += Row.width
  }
  let alpha = KernelVector(repeating: alpha)
  c0.store(to: c, alpha: alpha, beta: beta)
  c1.store(to: c + ldc, alpha: alpha, beta: beta)
  c2.store(to: c + 2 * ldc, alpha: alpha, beta: beta)
  c3.store(to: c + 3 * ldc, alpha: alpha, beta: beta)
  c4.store(to: c + 4 * ldc, alpha: alpha, beta: beta)
  c5.store(to: c + 5 * ldc, alpha: alpha, beta: beta)
  if microKernelRows > 6 {
    c6.store(to: c + 6 * ldc, alpha: alpha, beta: beta)
    c7.store(to: c + 7 * ldc, alpha: alpha, beta: beta)
    c8.store(to: c + 8 * ldc, alpha: alpha, beta: beta)
    c9.store(to: c + 9 * ldc, alpha: alpha, beta: beta)
    c10.store(to: c + 10 * ldc, alpha: alpha, beta: beta)
    c11.store(to: c + 11 * ldc, alpha: alpha, beta: beta)
  }
}
"""###
    ),
    (
      "GEMMPacking.swift",
      ###"""
/// Packing copies a block of op(A) or op(B) into the contiguous, zero-padded
/// micro-panels the micro-kernel streams through.
extension GEMMOperands {
  /// Packs `op(A)[rows, depth]` as micro-panels of `microKernelRows` rows laid out as
  /// `Layout` says: panel `p` starts at `p * packedAPanelSize` and holds rows
  /// `rows.lowerBound + p * microKernelRows` onwards. Rows past the end of `rows` are
  /// zero. Plain A is packed row-major, Aᵀ depth-major, so both are straight copies.
  func packA<Layout: PackedALayout>(
    _: Layout.Type, rows: Range<Int>, depth: Range<Int>, into packed: UnsafeMutablePointer<Float>
  ) {
    let kc = depth.count
    var panel = packed
    for top in stride(from: rows.lowerBound, to: rows.upperBound, by: microKernelRows) {
      let height = min(microKernelRows, rows.upperBound - top)
      if transposeA {
        // op(A)[i, k] = a[k * lda + i]: the panel's rows for one k are adjacent in a.
        for k in 0..<kc {
          let destination = panel + k * Layout.depthStride
          let source = a + (depth.lowerBound + k) * lda + top
          for r in 0..<height { destination[r * Layout.rowStride] = source[r] }
          for r in height..<microKernelRows { destination[r * Layout.rowStride] = 0 }
        }
      } else {
        for r in 0..<microKernelRows {
          let destination = panel + r * Layout.rowStride
          if r < height {
            let source = a + (top + r) * lda + depth.lowerBound
            for k in 0..<kc { destination[k * Layout.depthStride] = source[k] }
          } else {
            for k in 0..<kc { destination[k * Layout.depthStride] = 0 }
          }
        }
      }
      panel += packedAPanelSize
    }
  }

  /// Packs `op(B)[depth, columns]` as micro-panels of `WideRow.width` columns: panel
  /// `p` starts at `p * depth.count * WideRow.width` and holds, for each `k`, the
  /// panel's columns of row `k` contiguously, zero-padded. A last panel of
  /// `NarrowRow.width` columns or fewer is packed `NarrowRow.width` wide.
  func packB(depth: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
    let kc = depth.count
    var panel = packed
    for left in stride(from: columns.lowerBound, to: columns.upperBound, by: WideRow.width) {
      let width = min(WideRow.width, columns.upperBound - left)
      let stride = width <= NarrowRow.width ? NarrowRow.width : WideRow.width
      if transposeB {
        // op(B)[k, j] = b[j * ldb + k]: each source row fills one panel column.
        var j = 0
        #if NETSPEC_AVX512
          // Whole 16 x 16 blocks go through registers; the ragged rest below.
          let blockDepth = kc - kc % 16
          while j + 16 <= width {
            for k in Swift.stride(from: 0, to: blockDepth, by: 16) {
              transpose16(
                b + (left + j) * ldb + depth.lowerBound + k, ld: ldb, into: panel + k * stride + j,
                ldd: stride)
            }
            for column in j..<j + 16 {
              let source = b + (left + column) * ldb + depth.lowerBound
              for k in blockDepth..<kc { panel[k * stride + column] = source[k] }
            }
            j += 16
          }
        #endif
        for column in j..<width {
          let source = b + (left + column) * ldb + depth.lowerBound
          for k in 0..<kc { panel[k * stride + column] = source[k] }
        }
        if width < stride {
          for k in 0..<kc {
            (panel + k * stride + width).update(repeating: 0, count: stride - width)
          }
        }
      } else if width == stride {
        for k in 0..<kc {
          let source = b + (depth.lowerBound + k) * ldb + left
          for v in 0..<(stride / KernelVector.scalarCount) {
            let offset = v * KernelVector.scalarCount
            storeVector(loadVector(source + offset), to: panel + k * stride + offset)
          }
        }
      } else {
        for k in 0..<kc {
          let destination = panel + k * stride
          destination.update(from: b + (depth.lowerBound + k) * ldb + left, count: width)
          (destination + width).update(repeating: 0, count: stride - width)
        }
      }
      panel += kc * WideRow.width
    }
  }
}

#if NETSPEC_AVX512
  /// Sixteen vectors of 16 floats: a 16 x 16 block held in registers.
  private typealias Block16 = (
    KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector,
    KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector,
    KernelVector, KernelVector
  )

  /// Writes the transpose of the 16 x 16 block at `source` (rows `ld` floats apart)
  /// to `destination` (rows `ldd` apart), twice as fast as a scalar gather.
  @inline(__always)
  private func transpose16(
    _ source: UnsafePointer<Float>, ld: Int, into destination: UnsafeMutablePointer<Float>, ldd: Int
  ) {
    func row(_ i: Int) -> KernelVector { loadVector(source + i * ld) }
    let rows: Block16 = (
      row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7),
      row(8), row(9), row(10), row(11), row(12), row(13), row(14), row(15)
    )
    // Each round moves the lowest column bit to the top of the row index and the
    // lowest row bit to the top of the column index; four rounds transpose.
    let columns = interleave(interleave(interleave(interleave(rows))))
    withUnsafeBytes(of: columns) { columns in
      for i in 0..<16 {
        storeVector(
          columns.load(fromByteOffset: i * MemoryLayout<KernelVector>.stride, as: KernelVector.self),
          to: destination + i * ldd)
      }
    }
  }

  /// Row `i < 8` becomes the even lanes of rows `2i` and `2i + 1`, row `8 + i`
  /// their odd lanes.
  @inline(__always)
  private func interleave(_ r: Block16) -> Block16 {
    func even(_ x: KernelVector, _ y: KernelVector) -> KernelVector {
      KernelVector(lowHalf: x.evenHalf, highHalf: y.evenHalf)
    }
    func odd(_ x: KernelVector, _ y: KernelVector) -> KernelVector {
      KernelVector(lowHalf: x.oddHalf, highHalf: y.oddHalf)
    }
    return (
      even(r.0, r.1), even(r.2, r.3), even(r.4, r.5), even(r.6, r.7),
      even(r.8, r.9), even(r.10, r.11), even(r.12, r.13), even(r.14, r.15),
      odd(r.0, r.1), odd(r.2, r.3), odd(r.4, r.5), odd(r.6, r.7),
      odd(r.8, r.9), odd(r.10, r.11), odd(r.12, r.13), odd(r.14, r.15)
    )
  }
#endif
"""###
    ),
    (
      "GEMMSingleRow.swift",
      ###"""
extension GEMMOperands {
  /// Columns of C whose sums one pass over B accumulates (2 KiB of floats, kept in L1).
  static let singleRowBlock = 512

  /// Computes `C[0, columns]` when C has a single row (batch-1 inference, stochastic
  /// training): a matrix-vector product that streams op(B) once, unpacked, instead of
  /// filling micro-tiles whose other rows would be wasted.
  func computeSingleRow(columns: Range<Int>, workspace: KernelWorkspace) {
    workspace.reserve(packedA: k, packedB: Self.singleRowBlock, edgeTile: 0)
    // op(A) is one row; make it contiguous if A is stored as a k x 1 column.
    var row = a
    if transposeA && lda != 1 {
      let packed = workspace.packedA.pointer
      for l in 0..<k { packed[l] = a[l * lda] }
      row = UnsafePointer(packed)
    }
    if transposeB {
      dotProducts(row, columns: columns)
    } else {
      scaledRowSums(row, columns: columns, sums: workspace.packedB.pointer)
    }
    if !epilogue.isNone {
      epilogue.apply(to: c, ldc: ldc, rows: 0..<1, columns: columns)
    }
  }

  /// `c[j] = alpha * sum over l of row[l] * b[l * ldb + j] + beta * c[j]`.
  ///
  /// Sums for a block of columns live in `sums` (L1) while the block's part of B is
  /// read row after row, four rows per pass: contiguous runs that the prefetcher
  /// follows, instead of one short piece of every row per page.
  private func scaledRowSums(_ row: UnsafePointer<Float>, columns: Range<Int>, sums: UnsafeMutablePointer<Float>) {
    let lanes = KernelVector.scalarCount
    let vectorEnd = columns.lowerBound + (columns.count - columns.count % lanes)
    for left in stride(from: columns.lowerBound, to: vectorEnd, by: Self.singleRowBlock) {
      let width = min(Self.singleRowBlock, vectorEnd - left)
      sums.update(repeating: 0, count: width)
      var l = 0
      while l < k {
        let rows = min(4, k - l)
        let x0 = KernelVector(repeating: row[l])
        let x1 = KernelVector(repeating: rows > 1 ? row[l + 1] : 0)
        let x2 = KernelVector(repeating: rows > 2 ? row[l + 2] : 0)
        let x3 = KernelVector(repeating: rows > 3 ? row[l + 3] : 0)
        // Rows past k repeat row l with a zero weight.
        let b0 = b + l * ldb + left
        let b1 = rows > 1 ? b0 + ldb : b0
        let b2 = rows > 2 ? b0 + 2 * ldb : b0
        let b3 = rows > 3 ? b0 + 3 * ldb : b0
        for v in stride(from: 0, to: width, by: lanes) {
          var sum = loadVector(sums + v)
          sum = multiplyAdd(sum, x0, loadVector(b0 + v))
          sum = multiplyAdd(sum, x1, loadVector(b1 + v))
          sum = multiplyAdd(sum, x2, loadVector(b2 + v))
          sum = multiplyAdd(sum, x3, loadVector(b3 + v))
          storeVector(sum, to: sums + v)
        }
        l += 4
      }
      let alpha = KernelVector(repeating: alpha)
      for v in stride(from: 0, to: width, by: lanes) {
        let target = c + left + v
        let sum = loadVector(sums + v)
        if beta == 0 {
          storeVector(alpha * sum, to: target)
        } else {
          storeVector(multiplyAdd(KernelVector(repeating: beta) * loadVector(target), alpha, sum), to: target)
        }
      }
    }
    for j in vectorEnd..<columns.upperBound {
      var sum: Float = 0
      for l in 0..<k { sum += row[l] * b[l * ldb + j] }
      c[j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[j]
    }
  }

  /// `c[j] = alpha * dot(row, b[j * ldb ..< j * ldb + k]) + beta * c[j]`: B holds
  /// op(B)'s columns as rows, so each output is one contiguous dot product.
  private func dotProducts(_ row: UnsafePointer<Float>, columns: Range<Int>) {
    let lanes = KernelVector.scalarCount
    let vectorDepth = k - k % lanes
    for j in columns {
      let column = b + j * ldb
      var s0 = KernelVector(), s1 = KernelVector()
      var l = 0
      while l + 2 * lanes <= vectorDepth {
        s0 = multiplyAdd(s0, loadVector(row + l), loadVector(column + l))
        s1 = multiplyAdd(s1, loadVector(row + l + lanes), loadVector(column + l + lanes))
        l += 2 * lanes
      }
      if l < vectorDepth {
        s0 = multiplyAdd(s0, loadVector(row + l), loadVector(column + l))
      }
      var sum = (s0 + s1).sum()
      for l in vectorDepth..<k { sum += row[l] * column[l] }
      c[j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[j]
    }
  }
}
"""###
    ),
    (
      "Im2Col.swift",
      ###"""
/// The geometry of a 2-D convolution over `[C, H, W]` samples, and the im2col and
/// col2im transforms that turn the convolution of a whole batch into GEMMs.
///
/// The column matrix of a batch is `[C * kh * kw, batch * P]` (`P = oh * ow`
/// output positions), row-major: row `(c * kh + i) * kw + j` holds, for every
/// sample and output position, the input value under kernel tap `(i, j)` of
/// channel `c`, or zero where the tap falls in the padding. Samples sit side by
/// side, so one GEMM covers the batch: `Y[F, batch * P] = W[F, C * kh * kw] * columns`
/// (one GEMM per group, on the group's block of rows).
public struct ConvolutionGeometry: Sendable, Hashable {
  /// Input channels, height and width of one sample.
  public var channels: Int
  public var height: Int
  public var width: Int
  /// Kernel taps along the height and the width.
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  public var dilationHeight: Int
  public var dilationWidth: Int
  /// Zero padding before the first row and column (the padding after them only
  /// shows in the output size).
  public var padTop: Int
  public var padLeft: Int
  public var outputHeight: Int
  public var outputWidth: Int

  public init(
    channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int),
    padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int
  ) {
    self.channels = channels
    self.height = height
    self.width = width
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    (dilationHeight, dilationWidth) = dilation
    self.padTop = padTop
    self.padLeft = padLeft
    self.outputHeight = outputHeight
    self.outputWidth = outputWidth
  }

  /// Output positions per channel: `oh * ow`.
  public var outputPositions: Int { outputHeight * outputWidth }
  /// Rows of the column matrix: `C * kh * kw`.
  public var columnRows: Int { channels * kernelHeight * kernelWidth }

  /// The output indices `o` in `0..<count` whose input index `o * stride + offset`
  /// lies in `0..<size`.
  @inline(__always)
  static func validOutputs(offset: Int, stride: Int, size: Int, count: Int) -> Range<Int> {
    let lower = offset >= 0 ? 0 : min(count, (stride - 1 - offset) / stride)
    let last = size - 1 - offset
    let upper = last < 0 ? 0 : min(count, last / stride + 1)
    return lower..<max(lower, upper)
  }

  /// Fills `columns` (`[C * kh * kw, batch * P]`) from `x` (`[batch, C, H, W]`).
  public func im2col(
    _ x: UnsafePointer<Float>, batch: Int, into columns: UnsafeMutablePointer<Float>, pool: ComputePool
  ) {
    nonisolated(unsafe) let x = x
    nonisolated(unsafe) let columns = columns
    let rows = columnRows
    // One unit of work: one row of the column matrix for one sample.
    pool.parallelRanges(rows * batch, grain: max(1, 16_384 / max(1, outputPositions))) { units in
      for unit in units {
        let (row, sample) = unit.quotientAndRemainder(dividingBy: batch)
        expand(row: row, sample: sample, batch: batch, x, columns)
      }
    }
  }

  private func expand(
    row: Int, sample: Int, batch: Int, _ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>
  ) {
    let (channelTap, j) = row.quotientAndRemainder(dividingBy: kernelWidth)
    let (channel, i) = channelTap.quotientAndRemainder(dividingBy: kernelHeight)
    let plane = x + (sample * channels + channel) * height * width
    let destination = columns + row * batch * outputPositions + sample * outputPositions
    let columnOffset = j * dilationWidth - padLeft
    let valid = Self.validOutputs(offset: columnOffset, stride: strideWidth, size: width, count: outputWidth)
    for oh in 0..<outputHeight {
      let out = destination + oh * outputWidth
      let ih = oh * strideHeight + i * dilationHeight - padTop
      guard ih >= 0 && ih < height else {
        for ow in 0..<outputWidth { out[ow] = 0 }
        continue
      }
      let source = plane + ih * width
      for ow in 0..<valid.lowerBound { out[ow] = 0 }
      if strideWidth == 1 {
        copyRun(source + valid.lowerBound + columnOffset, out + valid.lowerBound, count: valid.count)
      } else {
        for ow in valid { out[ow] = source[ow * strideWidth + columnOffset] }
      }
      for ow in valid.upperBound..<outputWidth { out[ow] = 0 }
    }
  }

  /// Scatters `columns` (`[C * kh * kw, batch * P]`) back onto `dx`
  /// (`[batch, C, H, W]`), summing where windows overlap: the adjoint of
  /// ``im2col(_:batch:into:pool:)``. Adds into `dx` when `accumulate` is set,
  /// otherwise overwrites it.
  public func col2im(
    _ columns: UnsafePointer<Float>, batch: Int, into dx: UnsafeMutablePointer<Float>, accumulate: Bool,
    pool: ComputePool
  ) {
    nonisolated(unsafe) let columns = columns
    nonisolated(unsafe) let dx = dx
    let taps = kernelHeight * kernelWidth
    // One unit of work: one input plane (sample, channel); planes never share writes.
    pool.parallelRanges(batch * channels, grain: max(1, 16_384 / max(1, taps * outputPositions))) { planes in
      for plane in planes {
        let (sample, channel) = plane.quotientAndRemainder(dividingBy: channels)
        let destination = dx + plane * height * width
        if !accumulate { destination.update(repeating: 0, count: height * width) }
        for tap in 0..<taps {
          gather(row: channel * taps + tap, sample: sample, batch: batch, columns, destination)
        }
      }
    }
  }

  private func gather(
    row: Int, sample: Int, batch: Int, _ columns: UnsafePointer<Float>, _ plane: UnsafeMutablePointer<Float>
  ) {
    let (i, j) = (row % (kernelHeight * kernelWidth)).quotientAndRemainder(dividingBy: kernelWidth)
    let source = columns + row * batch * outputPositions + sample * outputPositions
    let columnOffset = j * dilationWidth - padLeft
    let valid = Self.validOutputs(offset: columnOffset, stride: strideWidth, size: width, count: outputWidth)
    let validRows = Self.validOutputs(
      offset: i * dilationHeight - padTop, stride: strideHeight, size: height, count: outputHeight)
    for oh in validRows {
      let ih = oh * strideHeight + i * dilationHeight - padTop
      let input = plane + ih * width
      let gradient = source + oh * outputWidth
      if strideWidth == 1 {
        addRun(gradient + valid.lowerBound, input + valid.lowerBound + columnOffset, count: valid.count)
      } else {
        for ow in valid { input[ow * strideWidth + columnOffset] += gradient[ow] }
      }
    }
  }
}

// Rows of output positions are short (10 to 60 floats in small networks), so a
// `memcpy` call or a loop that vectorizes only after an overlap check costs more
// than the copy itself; these move them in 8-float vectors.

/// `destination[0..<count] = source[0..<count]`; the last vector may overlap the
/// one before it.
@inline(__always)
private func copyRun(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
  guard count >= 8 else {
    for i in 0..<count { destination[i] = source[i] }
    return
  }
  var i = 0
  while i + 8 <= count {
    storeRun(loadRun(source + i), destination + i)
    i += 8
  }
  if i < count { storeRun(loadRun(source + count - 8), destination + count - 8) }
}

/// `destination[0..<count] += source[0..<count]`.
@inline(__always)
private func addRun(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    storeRun(loadRun(destination + i) + loadRun(source + i), destination + i)
    i += 8
  }
  while i < count {
    destination[i] += source[i]
    i += 1
  }
}

@inline(__always)
private func loadRun(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func storeRun(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
"""###
    ),
    (
      "KernelTarget.swift",
      ###"""
// Compile-time choices that depend on the instruction set the module is built for.
//
// Swift cannot test CPU features in `#if`, so the build passes them as defines next
// to the matching `-target-cpu` (Package.swift does it; see docs/PERFORMANCE.md):
//
// - `NETSPEC_AVX512`: AVX-512 with FMA, 32 x 512-bit registers (`-target-cpu native`
//   on such a CPU, or `skylake-avx512`; Skylake-X, Ice Lake, Sapphire Rapids, Zen 4).
// - `NETSPEC_FMA`: AVX2 with FMA, 16 x 256-bit registers (`native`, or `haswell`).
// - neither: the x86-64 baseline (SSE2: no FMA, 16 x 128-bit registers), or arm64,
//   which always has FMA and 32 x 128-bit registers.
//
// A define without its `-target-cpu` still computes correctly but slowly (FMA turns
// into libm calls); `-target-cpu` without its define computes with the baseline's
// narrow vectors and separate multiplies and adds.

#if NETSPEC_AVX512
  /// The SIMD vector the kernels compute with: one register (two on arm64's NEON).
  typealias KernelVector = SIMD16<Float>
  /// Rows of C a GEMM micro-kernel keeps in registers (`2 * rows` accumulators).
  let microKernelRows = 12
#elseif NETSPEC_FMA || arch(arm64)
  typealias KernelVector = SIMD8<Float>
  let microKernelRows = 6
#else
  typealias KernelVector = SIMD4<Float>
  let microKernelRows = 6
#endif

/// `accumulator + a * b`, fused into one instruction where the target has FMA.
///
/// Without FMA in the target, `addingProduct` becomes a call to libm's `fmaf` per
/// lane, so the baseline build multiplies and adds separately instead.
@inline(__always)
func multiplyAdd(_ accumulator: KernelVector, _ a: KernelVector, _ b: KernelVector) -> KernelVector {
  #if NETSPEC_AVX512 || NETSPEC_FMA || arch(arm64)
    accumulator.addingProduct(a, b)
  #else
    accumulator + a * b
  #endif
}
"""###
    ),
    (
      "KernelWorkspace.swift",
      ###"""
/// Scratch memory owned by one thread slot of a ``ComputePool``: the packed panels
/// of a GEMM and the spill tile for its ragged edges. Buffers grow on demand and are
/// kept for later calls, so steady-state kernels do not allocate.
final class KernelWorkspace {
  private(set) var packedA = AlignedBuffer()
  private(set) var packedB = AlignedBuffer()
  private(set) var edgeTile = AlignedBuffer()

  /// Makes sure the buffers hold at least the given number of floats.
  func reserve(packedA a: Int, packedB b: Int, edgeTile tile: Int) {
    packedA.reserve(a)
    packedB.reserve(b)
    edgeTile.reserve(tile)
  }
}

/// A growable, 64-byte aligned array of floats that is never shrunk.
struct AlignedBuffer: ~Copyable {
  private(set) var pointer = AlignedBuffer.allocate(0)
  private var capacity = 0

  mutating func reserve(_ count: Int) {
    guard count > capacity else { return }
    UnsafeMutableRawPointer(pointer).deallocate()
    pointer = AlignedBuffer.allocate(count)
    capacity = count
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
      .bindMemory(to: Float.self, capacity: count)
  }

  deinit {
    UnsafeMutableRawPointer(pointer).deallocate()
  }
}
"""###
    ),
    (
      "LayerNormKernels.swift",
      ###"""
/// Layer normalization over the last axis of `rows x features` floats: the
/// interpreter's `layernorm` op and emitted code both call these.
public enum LayerNormKernels {
  /// Per row (rows in parallel): the mean, the variance (two passes), then
  /// `y = (x - mean) / std * weight + bias`; saves each row's mean and inverse
  /// standard deviation for ``backward(x:outputGradient:weight:mean:inverseStd:workspace:inputGradient:accumulateInput:weightGradient:accumulateWeight:biasGradient:accumulateBias:rows:features:pool:)``.
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>, rows: Int, features: Int,
    epsilon: Float, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, y, weight, bias) = (x, y, weight, bias)
    nonisolated(unsafe) let (savedMean, savedInverseStd) = (mean, inverseStd)
    pool.parallelRanges(rows, grain: max(1, 16_384 / features)) { rowRange in
      for r in rowRange {
        let (input, output) = (x + r * features, y + r * features)
        let mean = Reductions.sum(input, count: features) / Float(features)
        let variance = Reductions.squaredDeviations(input, from: mean, count: features) / Float(features)
        let inverseStd = 1 / (variance + epsilon).squareRoot()
        savedMean[r] = mean
        savedInverseStd[r] = inverseStd
        for j in 0..<features { output[j] = (input[j] - mean) * inverseStd * weight[j] + bias[j] }
      }
    }
  }

  /// With `g = dy * weight` (formed in `workspace`, `rows * features` floats)
  /// and `xhat = (x - mean) / std` per row:
  /// `dx = (g - mean(g) - xhat * mean(g * xhat)) / std`; over the rows,
  /// `dweight = sum(dy * xhat)` and `dbias = sum(dy)` (split by columns).
  /// Nil gradients are skipped; `accumulate*` adds into a gradient instead of
  /// overwriting it.
  public static func backward(
    x: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, accumulateInput: Bool,
    weightGradient: UnsafeMutablePointer<Float>?, accumulateWeight: Bool,
    biasGradient: UnsafeMutablePointer<Float>?, accumulateBias: Bool,
    rows: Int, features: Int, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, dy, weight, savedMean, savedInverseStd) = (x, outputGradient, weight, mean, inverseStd)
    if let inputGradient {
      nonisolated(unsafe) let (dxBase, gBase) = (inputGradient, workspace)
      pool.parallelRanges(rows, grain: max(1, 16_384 / features)) { rowRange in
        for r in rowRange {
          let (input, dyRow) = (x + r * features, dy + r * features)
          let (dx, g) = (dxBase + r * features, gBase + r * features)
          let (mean, inverseStd) = (savedMean[r], savedInverseStd[r])
          for j in 0..<features { g[j] = dyRow[j] * weight[j] }
          let meanG = Reductions.sum(g, count: features) / Float(features)
          let meanGXhat = Reductions.centeredDot(input, from: mean, g, count: features) * inverseStd / Float(features)
          // dx = inverseStd * (g - meanG - (x - mean) * inverseStd * meanGXhat).
          let slope = inverseStd * inverseStd * meanGXhat
          let offset = inverseStd * meanG - mean * slope
          if accumulateInput {
            for j in 0..<features { dx[j] += inverseStd * g[j] - slope * input[j] - offset }
          } else {
            for j in 0..<features { dx[j] = inverseStd * g[j] - slope * input[j] - offset }
          }
        }
      }
    }
    guard weightGradient != nil || biasGradient != nil else { return }
    nonisolated(unsafe) let (dWeight, dBias) = (weightGradient, biasGradient)
    pool.parallelRanges(features, grain: max(1, 16_384 / rows)) { columns in
      if let dWeight, !accumulateWeight { (dWeight + columns.lowerBound).update(repeating: 0, count: columns.count) }
      if let dBias, !accumulateBias { (dBias + columns.lowerBound).update(repeating: 0, count: columns.count) }
      for r in 0..<rows {
        let (input, dyRow) = (x + r * features, dy + r * features)
        let (mean, inverseStd) = (savedMean[r], savedInverseStd[r])
        if let dWeight {
          for j in columns { dWeight[j] += dyRow[j] * (input[j] - mean) * inverseStd }
        }
        if let dBias {
          for j in columns { dBias[j] += dyRow[j] }
        }
      }
    }
  }
}
"""###
    ),
    (
      "LocalResponseNormKernels.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Local response normalization across channels of `[batch, channels, positions]`
/// (PyTorch's `LocalResponseNorm`): `b_c = a_c / s_c^beta` with the divisor base
/// `s_c = k + alpha / size * sum a_c'^2` over the window of `size` channels
/// around `c` (`size / 2` before it, `(size - 1) / 2` after, clipped to the channels).
public enum LocalResponseNormKernels {
  /// The channels whose squares enter channel `c`'s sum.
  @inline(__always)
  static func neighbours(_ c: Int, channels: Int, size: Int) -> ClosedRange<Int> {
    max(0, c - size / 2)...min(channels - 1, c + (size - 1) / 2)
  }

  /// The channels whose sums contain channel `j`'s square (the transpose of ``neighbours(_:channels:size:)``).
  @inline(__always)
  static func dependents(_ j: Int, channels: Int, size: Int) -> ClosedRange<Int> {
    max(0, j - (size - 1) / 2)...min(channels - 1, j + size / 2)
  }

  /// Per sample (in parallel): `s` for every channel from its window of squares,
  /// kept in `divisorBase` for the backward pass, then `y = x * s^-beta`.
  public static func forward(
    y: UnsafeMutablePointer<Float>, divisorBase: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
    batch: Int, channels: Int, positions: Int, size: Int, alpha: Float, beta: Float, k: Float, pool: ComputePool
  ) {
    let coefficient = alpha / Float(size)
    let count = channels * positions
    pool.parallelRanges(batch, grain: max(1, 16_384 / (count * size))) { samples in
      for n in samples {
        let (x, s, y) = (x + n * count, divisorBase + n * count, y + n * count)
        for c in 0..<channels {
          let sums = s + c * positions
          sums.update(repeating: k, count: positions)
          for neighbour in neighbours(c, channels: channels, size: size) {
            let a = x + neighbour * positions
            for p in 0..<positions { sums[p] += coefficient * a[p] * a[p] }
          }
          let (a, b) = (x + c * positions, y + c * positions)
          for p in 0..<positions { b[p] = a[p] * powf(sums[p], -beta) }
        }
      }
    }
  }

  /// `dx_j = dy_j * s_j^-beta - 2 alpha beta / size * x_j * sum over the channels
  /// c whose window holds j of dy_c * x_c * s_c^(-beta - 1)`, per sample in
  /// parallel; added into `dx` when `accumulate` is set. `workspace` holds
  /// `2 * batch * channels * positions` floats.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    divisorBase: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
    positions: Int, size: Int, alpha: Float, beta: Float, accumulate: Bool, pool: ComputePool
  ) {
    let coefficient = 2 * alpha * beta / Float(size)
    let count = channels * positions
    pool.parallelRanges(batch, grain: max(1, 16_384 / (count * size))) { samples in
      for n in samples {
        let (x, s, dy, dx) = (x + n * count, divisorBase + n * count, dy + n * count, dx + n * count)
        let power = workspace + 2 * n * count
        let t = power + count
        for i in 0..<count {
          power[i] = powf(s[i], -beta)
          t[i] = dy[i] * x[i] * power[i] / s[i]
        }
        for j in 0..<channels {
          let row = j * positions
          if !accumulate { (dx + row).update(repeating: 0, count: positions) }
          for p in 0..<positions { dx[row + p] += dy[row + p] * power[row + p] }
          for c in dependents(j, channels: channels, size: size) {
            for p in 0..<positions { dx[row + p] -= coefficient * x[row + p] * t[c * positions + p] }
          }
        }
      }
    }
  }
}
"""###
    ),
    (
      "LossKernels.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The losses: each forward writes the mean loss to `loss[0]` (summed in
/// double precision), each backward writes the prediction's gradient scaled by
/// the loss gradient `dLoss[0]`, adding into it when `accumulate` is set. The
/// target never gets a gradient.
public enum LossKernels {
  /// Mean squared error: `mean((p - t)^2)` over `count` elements.
  public static func mseForward(
    loss: UnsafeMutablePointer<Float>, prediction p: UnsafePointer<Float>, target t: UnsafePointer<Float>,
    count: Int
  ) {
    var total: Double = 0
    for e in 0..<count {
      let d = p[e] - t[e]
      total += Double(d * d)
    }
    loss[0] = Float(total / Double(count))
  }

  /// `dp = 2 (p - t) * dLoss / count`.
  public static func mseBackward(
    dPrediction dp: UnsafeMutablePointer<Float>, prediction p: UnsafePointer<Float>,
    target t: UnsafePointer<Float>, dLoss: UnsafePointer<Float>, count: Int, accumulate: Bool
  ) {
    let scale = 2 * dLoss[0] / Float(count)
    if accumulate {
      for e in 0..<count { dp[e] += (p[e] - t[e]) * scale }
    } else {
      for e in 0..<count { dp[e] = (p[e] - t[e]) * scale }
    }
  }

  /// Binary cross-entropy of logits `x` against probabilities `t`:
  /// `mean(max(x, 0) - x t + log(1 + exp(-|x|)))`, the sigmoid folded in
  /// without overflow for large `|x|`.
  public static func binaryCrossEntropyForward(
    loss: UnsafeMutablePointer<Float>, logits x: UnsafePointer<Float>, target t: UnsafePointer<Float>, count: Int
  ) {
    var total: Double = 0
    for e in 0..<count {
      total += Double(max(x[e], 0) - x[e] * t[e] + log1pf(expf(-abs(x[e]))))
    }
    loss[0] = Float(total / Double(count))
  }

  /// `dx = (sigmoid(x) - t) * dLoss / count`.
  public static func binaryCrossEntropyBackward(
    dLogits dx: UnsafeMutablePointer<Float>, logits x: UnsafePointer<Float>, target t: UnsafePointer<Float>,
    dLoss: UnsafePointer<Float>, count: Int, accumulate: Bool
  ) {
    let scale = dLoss[0] / Float(count)
    for e in 0..<count {
      let g = (1 / (1 + expf(-x[e])) - t[e]) * scale
      if accumulate { dx[e] += g } else { dx[e] = g }
    }
  }

  /// Cross-entropy of `rows` rows of `classes` logits against class ids
  /// (stored as floats), with label smoothing: per row the softmax (kept in
  /// `probabilities` for the backward pass), `log(sum(exp(x)))` and
  /// `(1 - smoothing) * -log p[target] + smoothing * mean(-log p)`.
  public static func crossEntropyForward(
    loss: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
    targets: UnsafePointer<Float>, rows: Int, classes: Int, smoothing: Float
  ) {
    var total: Double = 0
    for r in 0..<rows {
      let x = logits + r * classes
      let p = probabilities + r * classes
      var maxLogit = -Float.infinity
      for c in 0..<classes { maxLogit = max(maxLogit, x[c]) }
      var sum: Float = 0
      for c in 0..<classes {
        p[c] = expf(x[c] - maxLogit)
        sum += p[c]
      }
      let logSum = logf(sum) + maxLogit
      let inverse = 1 / sum
      for c in 0..<classes { p[c] *= inverse }
      var rowLoss = logSum - x[Int(targets[r])]
      if smoothing > 0 {
        var meanNegLog: Float = 0
        for c in 0..<classes { meanNegLog += logSum - x[c] }
        rowLoss = (1 - smoothing) * rowLoss + smoothing * meanNegLog / Float(classes)
      }
      total += Double(rowLoss)
    }
    loss[0] = Float(total / Double(rows))
  }

  /// `dLogits = (softmax - smoothed one-hot) * dLoss / rows`, from the saved softmax.
  public static func crossEntropyBackward(
    dLogits: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    dLoss: UnsafePointer<Float>, rows: Int, classes: Int, smoothing: Float, accumulate: Bool
  ) {
    let scale = dLoss[0] / Float(rows)
    let uniform = smoothing / Float(classes)
    for r in 0..<rows {
      let target = Int(targets[r])
      let (p, dx) = (probabilities + r * classes, dLogits + r * classes)
      for c in 0..<classes {
        let onehot: Float = (c == target ? 1 - smoothing : 0) + uniform
        let g = (p[c] - onehot) * scale
        if accumulate { dx[c] += g } else { dx[c] = g }
      }
    }
  }
}
"""###
    ),
    (
      "OptimizerKernels.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Parameter updates over flat float arrays, as PyTorch's optimizers compute
/// them; the interpreter's `Optimizer` and emitted code both call these.
public enum OptimizerKernels {
  /// SGD with L2 weight decay and optional heavy-ball or Nesterov momentum.
  /// `velocity` is needed when `momentum` is nonzero; on the first step it
  /// starts at the gradient.
  public static func sgd(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum mu: Float, nesterov: Bool,
    weightDecay wd: Float, firstStep: Bool
  ) {
    for i in 0..<count {
      var d = g[i] + wd * p[i]
      if mu != 0 {
        v[i] = firstStep ? d : mu * v[i] + d
        d = nesterov ? d + mu * v[i] : v[i]
      }
      p[i] -= lr * d
    }
  }

  /// Adam (with L2 `weightDecay` added to the gradient) or AdamW (with
  /// `decoupledDecay` applied to the weights); `step` counts from 1.
  public static func adam(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>, count: Int,
    learningRate lr: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay wd: Float, decoupledDecay: Float,
    step: Int
  ) {
    let correction1 = 1 - powf(beta1, Float(step))
    let correction2 = 1 - powf(beta2, Float(step))
    let stepSize = lr / correction1
    let root2 = correction2.squareRoot()
    for i in 0..<count {
      if decoupledDecay != 0 { p[i] -= lr * decoupledDecay * p[i] }
      let d = g[i] + wd * p[i]
      m[i] = beta1 * m[i] + (1 - beta1) * d
      v[i] = beta2 * v[i] + (1 - beta2) * d * d
      p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + epsilon)
    }
  }

  /// Scales `gradients` so their global L2 norm is at most `maxNorm`; returns
  /// the norm before clipping.
  @discardableResult
  public static func clipNorm(_ gradients: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Float {
    var sum: Double = 0
    for i in 0..<count { sum += Double(gradients[i]) * Double(gradients[i]) }
    let norm = Float(sum.squareRoot())
    if norm > maxNorm, norm.isFinite {
      let scale = maxNorm / (norm + 1e-6)
      for i in 0..<count { gradients[i] *= scale }
    }
    return norm
  }
}
"""###
    ),
    (
      "ParallelRanges.swift",
      ###"""
extension ComputePool {
  /// Splits `0..<count` into at most ``threadCount`` consecutive ranges of at least
  /// `grain` items each and runs `body` on every range, in parallel; with little
  /// work (fewer than `2 * grain` items) it runs `body(0..<count)` inline.
  ///
  /// For element-wise and reduction kernels whose items are independent (planes,
  /// channels, rows). Like ``parallelFor(_:_:)``, not reentrant: `body` must not
  /// use this pool.
  public func parallelRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let tasks = max(1, min(threadCount, count / max(1, grain)))
    parallelFor(tasks) { task in
      body((count * task / tasks)..<(count * (task + 1) / tasks))
    }
  }
}
"""###
    ),
    (
      "PermuteKernel.swift",
      ###"""
/// Moves a `[batch, ...shape]` tensor's values into the axis order `perm`
/// (`perm[i]` is the input axis of output axis `i`; 0 is the batch axis).
public enum PermuteKernel {
  /// Walks the output in row-major order, one run along its last axis at a time,
  /// tracking the matching input offset with an odometer over the other output
  /// axes. Forward: `y[out] = x[in]`; with `scatter` (the backward pass, `x`
  /// then being the output gradient and `y` the input gradient):
  /// `y[in] (+)= x[out]`, added when `accumulate` is set. The batch axis is
  /// part of the walk, so any permutation is handled.
  public static func permute(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, batch: Int, shape: [Int], perm: [Int], scatter: Bool,
    accumulate: Bool
  ) {
    let rank = perm.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * rank) { scratch in
      // Per output axis: current index, size, and the input stride it moves along.
      let index = scratch.baseAddress!
      let size = index + rank
      let stride = index + 2 * rank
      for axis in 0..<rank {
        let inputAxis = perm[axis]
        index[axis] = 0
        size[axis] = inputAxis == 0 ? batch : shape[inputAxis - 1]
        stride[axis] = shape[inputAxis...].reduce(1, *)
      }
      let run = size[rank - 1]
      let step = stride[rank - 1]
      let runs = batch * shape.reduce(1, *) / run
      var inputOffset = 0
      for r in 0..<runs {
        let output = r * run
        if !scatter {
          for t in 0..<run { y[output + t] = x[inputOffset + t * step] }
        } else if accumulate {
          for t in 0..<run { y[inputOffset + t * step] += x[output + t] }
        } else {
          for t in 0..<run { y[inputOffset + t * step] = x[output + t] }
        }
        var axis = rank - 2
        while axis >= 0 {
          index[axis] += 1
          inputOffset += stride[axis]
          if index[axis] < size[axis] { break }
          inputOffset -= stride[axis] * size[axis]
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }
}
"""###
    ),
    (
      "PoolingKernels.swift",
      ###"""
/// The geometry of 2-D pooling over one `[H, W]` plane, and the max and average
/// kernels on one plane. A pooling layer runs them over every plane of
/// `[N, C, H, W]`; a convolution followed by pooling runs them as the epilogue of
/// its output pass, on each output plane while it is still in cache.
///
/// Every window is clipped to the plane: padding never wins a maximum, and
/// counts in an average's divisor only when `countIncludesPadding` says so.
/// The kernels are always inlined, so that emitted code, which builds the
/// geometry from literals, gets loops with constant bounds and strides.
public struct PoolingGeometry: Sendable, Hashable {
  public var height: Int
  public var width: Int
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  /// Padding before the first row and column.
  public var padTop: Int
  public var padLeft: Int
  public var outputHeight: Int
  public var outputWidth: Int

  public init(
    height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), outputHeight: Int,
    outputWidth: Int
  ) {
    self.height = height
    self.width = width
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    (padTop, padLeft) = padding
    self.outputHeight = outputHeight
    self.outputWidth = outputWidth
  }

  /// Positions of an input plane: `H * W`.
  public var inputPlane: Int { height * width }
  /// Positions of an output plane: `oh * ow`.
  public var outputPlane: Int { outputHeight * outputWidth }

  /// Whether every window lies wholly inside the plane (no padding, no ragged
  /// edge). The kernels then take a fast path: no clipping, a constant divisor,
  /// and 2x2 and 3x3 windows unrolled. It visits the elements in the same
  /// order, so results are the same to the bit.
  private var windowsInside: Bool {
    padTop == 0 && padLeft == 0 && (outputHeight - 1) * strideHeight + kernelHeight <= height
      && (outputWidth - 1) * strideWidth + kernelWidth <= width
  }

  /// Calls `body(o, start)` for every output position `o` of a plane whose
  /// windows lie inside it, `start` being the plane offset of the window's
  /// first element.
  @inline(__always)
  private func forEachInsideWindow(_ body: (_ output: Int, _ start: Int) -> Void) {
    for oh in 0..<outputHeight {
      let top = oh * strideHeight * width
      for ow in 0..<outputWidth { body(oh * outputWidth + ow, top + ow * strideWidth) }
    }
  }

  /// Calls `body(i)` for the plane offset `i` of every element of the window
  /// that starts at `start`, row by row; 2x2 and 3x3 windows unrolled.
  @inline(__always)
  private func forEachElement(ofWindowAt start: Int, _ body: (Int) -> Void) {
    let w = width
    if kernelHeight == 2 && kernelWidth == 2 {
      body(start)
      body(start + 1)
      body(start + w)
      body(start + w + 1)
    } else if kernelHeight == 3 && kernelWidth == 3 {
      for row in stride(from: start, through: start + 2 * w, by: w) {
        body(row)
        body(row + 1)
        body(row + 2)
      }
    } else {
      for row in 0..<kernelHeight {
        for column in 0..<kernelWidth { body(start + row * w + column) }
      }
    }
  }

  /// Calls `body(o, rows, columns)` for every output position `o` with its
  /// window clipped to the plane.
  @inline(__always)
  private func forEachWindow(_ body: (_ output: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Void) {
    for oh in 0..<outputHeight {
      let top = oh * strideHeight - padTop
      let rows = max(0, top)..<min(height, top + kernelHeight)
      for ow in 0..<outputWidth {
        let left = ow * strideWidth - padLeft
        body(oh * outputWidth + ow, rows, max(0, left)..<min(width, left + kernelWidth))
      }
    }
  }

  /// `y[o]` = the maximum of window `o` of `x`; `argmax[o]` = its index in the
  /// plane (`ih * W + iw`, as a Float: exact below 2^24 positions). NaN wins, as
  /// in PyTorch.
  @inline(__always)
  public func maxForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Float>
  ) {
    if windowsInside {
      forEachInsideWindow { o, start in
        var best = -Float.infinity
        var index = start
        forEachElement(ofWindowAt: start) { i in
          if x[i] > best || x[i].isNaN {
            best = x[i]
            index = i
          }
        }
        y[o] = best
        argmax[o] = Float(index)
      }
      return
    }
    forEachWindow { o, rows, columns in
      var best = -Float.infinity
      var index = rows.lowerBound * width + columns.lowerBound
      for ih in rows {
        for iw in columns where x[ih * width + iw] > best || x[ih * width + iw].isNaN {
          best = x[ih * width + iw]
          index = ih * width + iw
        }
      }
      y[o] = best
      argmax[o] = Float(index)
    }
  }

  /// Routes each `dy[o]` to its window's maximum in `dx` (`dx` is zeroed first
  /// unless `accumulate`).
  @inline(__always)
  public func maxBackward(
    _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    if !accumulate { dx.update(repeating: 0, count: inputPlane) }
    for o in 0..<outputPlane { dx[Int(argmax[o])] += dy[o] }
  }

  /// The divisor of a window whose part inside the plane is `rows` x `columns`.
  @inline(__always)
  private func divisor(_ rows: Range<Int>, _ columns: Range<Int>, countIncludesPadding: Bool) -> Float {
    Float(countIncludesPadding ? kernelHeight * kernelWidth : rows.count * columns.count)
  }

  /// `y[o]` = the sum of window `o` of `x` over its divisor.
  @inline(__always)
  public func averageForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, countIncludesPadding: Bool
  ) {
    if windowsInside {
      let divisor = Float(kernelHeight * kernelWidth)
      forEachInsideWindow { o, start in
        var sum: Float = 0
        forEachElement(ofWindowAt: start) { sum += x[$0] }
        y[o] = sum / divisor
      }
      return
    }
    forEachWindow { o, rows, columns in
      var sum: Float = 0
      for ih in rows {
        for iw in columns { sum += x[ih * width + iw] }
      }
      y[o] = sum / divisor(rows, columns, countIncludesPadding: countIncludesPadding)
    }
  }

  /// Spreads each `dy[o]` evenly (over the divisor) across its window in `dx`
  /// (`dx` is zeroed first unless `accumulate`).
  @inline(__always)
  public func averageBackward(
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, countIncludesPadding: Bool, accumulate: Bool
  ) {
    if !accumulate { dx.update(repeating: 0, count: inputPlane) }
    if windowsInside {
      let divisor = Float(kernelHeight * kernelWidth)
      forEachInsideWindow { o, start in
        let share = dy[o] / divisor
        forEachElement(ofWindowAt: start) { dx[$0] += share }
      }
      return
    }
    forEachWindow { o, rows, columns in
      let share = dy[o] / divisor(rows, columns, countIncludesPadding: countIncludesPadding)
      for ih in rows {
        for iw in columns { dx[ih * width + iw] += share }
      }
    }
  }
}
"""###
    ),
    (
      "RecurrentKernels.swift",
      ###"""
/// The cell of a recurrent layer stack: how many gates it has and how its
/// gate pre-activations become the next hidden state.
public enum RecurrentCell: Sendable {
  /// Long short-term memory, as `torch.nn.LSTM`: gates input, forget, cell,
  /// output, stacked in that order along the weights' first axis.
  case lstm
  /// Gated recurrent unit, as `torch.nn.GRU`: gates reset, update, new.
  case gru

  /// G: the gates stacked along every weight's first axis.
  public var gates: Int {
    switch self {
    case .lstm: 4
    case .gru: 3
    }
  }
}

/// Forward and backward passes of a stack of `lstm` or `gru` layers over
/// batch-major `[N, T, I]` sequences, with PyTorch's parameters: for layer
/// `l`, `parameters[4l]` is `weight_ih` `[G·H, in]`, `4l + 1` `weight_hh`
/// `[G·H, H]`, `4l + 2` `bias_ih` and `4l + 3` `bias_hh` `[G·H]`. The
/// interpreter's `lstm` and `gru` ops and the emitted code both call it.
///
/// The passes keep their sequences time-major, `[T, N, F]`, so that the `N`
/// rows of one step are contiguous: each step's recurrent product is one GEMM
/// over `N` rows, and a layer's input projection and weight gradients are one
/// GEMM over all `T * N` rows.
public struct RecurrentStack: Sendable {
  public let cell: RecurrentCell
  /// `T`.
  public let steps: Int
  /// `I`: features of the layer-0 input.
  public let features: Int
  /// `H`.
  public let hidden: Int
  public let layers: Int
  /// Output only the last step's hidden state `[N, H]` instead of every step's `[N, T, H]`.
  public let returnsLast: Bool

  public init(cell: RecurrentCell, steps: Int, features: Int, hidden: Int, layers: Int, returnsLast: Bool) {
    self.cell = cell
    self.steps = steps
    self.features = features
    self.hidden = hidden
    self.layers = layers
    self.returnsLast = returnsLast
  }

  /// `G * H`: the rows of every weight.
  var gateWidth: Int { cell.gates * hidden }
  /// Features of layer `layer`'s input: `I` for the first, `H` above it.
  func inputSize(_ layer: Int) -> Int { layer == 0 ? features : hidden }

  /// Floats per sample of the state the forward pass saves for the backward
  /// pass, per layer and time-major. LSTM: the gate activations `i, f, g, o`
  /// `[T, 4H]`, the cell states `c_t`, their `tanh(c_t)` and the hidden states
  /// `h_t` `[T, H]`. GRU: the gate activations `r, z, n` `[T, 3H]`, the reset
  /// gate's operand `W_hn h_{t-1} + b_hn` and the hidden states `h_t` `[T, H]`.
  public var savedPerSample: [Int] {
    let perLayer =
      switch cell {
      case .lstm: [steps * 4 * hidden, steps * hidden, steps * hidden, steps * hidden]
      case .gru: [steps * 3 * hidden, steps * hidden, steps * hidden]
      }
    return (0..<layers).flatMap { _ in perLayer }
  }

  /// Floats per sample of scratch: the time-major input `[T, I]` (backward: then
  /// its gradient), then for LSTM the gradients of a layer's hidden states
  /// `[T, H]` and gate pre-activations `[T, 4H]` and the running cell-state
  /// gradient `[H]`; for GRU one step's recurrent term `[3H]` forward, and
  /// backward the gradients of the hidden states `[T, H]` and of the gates'
  /// input-side and hidden-side pre-activations (`[T, 3H]` each; they differ in
  /// the new gate).
  public var workspacePerSample: Int {
    switch cell {
    case .lstm: steps * features + steps * hidden + steps * 4 * hidden + hidden
    case .gru: steps * features + max(3 * hidden, steps * hidden + 2 * steps * 3 * hidden)
    }
  }

  /// Runs the stack over `batch` sequences `input` `[N, T, I]` into `output`,
  /// filling `saved` (one buffer per ``savedPerSample`` entry, each times `batch`).
  public func forward(
    batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    parameters: [UnsafeMutablePointer<Float>], saved: [UnsafeMutablePointer<Float>],
    workspace: UnsafeMutablePointer<Float>, pool: ComputePool
  ) {
    let pass = RecurrentPass(
      stack: self, batch: batch, parameters: parameters, parameterGradients: [], accumulateParameters: [],
      pool: pool)
    RecurrentPass.toTimeMajor(input, workspace, batch: batch, steps: steps, features: features)
    switch cell {
    case .lstm: pass.lstmForward(saved: saved, timeMajorInput: workspace)
    case .gru: pass.gruForward(saved: saved, timeMajorInput: workspace)
    }
    let last = saved[cell == .lstm ? 4 * layers - 1 : 3 * layers - 1]
    if returnsLast {
      output.update(from: last + (steps - 1) * pass.stepHiddenCount, count: pass.stepHiddenCount)
    } else {
      RecurrentPass.toBatchMajor(last, output, batch: batch, steps: steps, features: hidden, accumulate: false)
    }
  }

  /// Backpropagation through time from `outputGradient`: writes (or, with
  /// `accumulateInput`, adds) `inputGradient` when it is not nil, and every
  /// non-nil parameter gradient (adding where `accumulateParameters` says so).
  /// `input` and `saved` are the forward pass's.
  public func backward(
    batch: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, accumulateInput: Bool,
    parameters: [UnsafeMutablePointer<Float>], parameterGradients: [UnsafeMutablePointer<Float>?],
    accumulateParameters: [Bool], saved: [UnsafeMutablePointer<Float>], workspace: UnsafeMutablePointer<Float>,
    pool: ComputePool
  ) {
    let pass = RecurrentPass(
      stack: self, batch: batch, parameters: parameters, parameterGradients: parameterGradients,
      accumulateParameters: accumulateParameters, pool: pool)
    let timeMajorInput = workspace
    let dStates = timeMajorInput + steps * batch * features
    // The output gradient as the gradient of the last layer's time-major hidden
    // sequence (zero before the final step for `last`).
    if returnsLast {
      let final = (steps - 1) * pass.stepHiddenCount
      dStates.update(repeating: 0, count: final)
      (dStates + final).update(from: outputGradient, count: pass.stepHiddenCount)
    } else {
      RecurrentPass.toTimeMajor(outputGradient, dStates, batch: batch, steps: steps, features: hidden)
    }
    let needsInputGradient = inputGradient != nil
    switch cell {
    case .lstm:
      pass.lstmBackward(
        input: input, saved: saved, timeMajorInput: timeMajorInput, dStates: dStates,
        needsInputGradient: needsInputGradient)
    case .gru:
      pass.gruBackward(
        input: input, saved: saved, timeMajorInput: timeMajorInput, dStates: dStates,
        needsInputGradient: needsInputGradient)
    }
    if let inputGradient {
      RecurrentPass.toBatchMajor(
        timeMajorInput, inputGradient, batch: batch, steps: steps, features: features, accumulate: accumulateInput)
    }
  }
}

/// One call of a ``RecurrentStack``: its batch, parameters and threads, and the
/// steps the cells share (layouts, the GEMMs that feed the gates and the
/// weight gradients).
struct RecurrentPass {
  let stack: RecurrentStack
  let batch: Int
  let parameters: [UnsafeMutablePointer<Float>]
  /// Backward only: nil for frozen parameters.
  let parameterGradients: [UnsafeMutablePointer<Float>?]
  let accumulateParameters: [Bool]
  let pool: ComputePool

  var hidden: Int { stack.hidden }
  var steps: Int { stack.steps }
  var gateWidth: Int { stack.gateWidth }
  /// Floats of one step of a hidden sequence `[N, H]`.
  var stepHiddenCount: Int { batch * stack.hidden }
  /// Floats of one step of a gate sequence `[N, G * H]`.
  var stepGateCount: Int { batch * stack.gateWidth }

  /// `[N, T, F]` to `[T, N, F]`.
  static func toTimeMajor(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, steps: Int, features: Int
  ) {
    for n in 0..<batch {
      for t in 0..<steps {
        (y + (t * batch + n) * features).update(from: x + (n * steps + t) * features, count: features)
      }
    }
  }

  /// `[T, N, F]` to `[N, T, F]`, adding into `y` when `accumulate` is set.
  static func toBatchMajor(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, steps: Int, features: Int,
    accumulate: Bool
  ) {
    for n in 0..<batch {
      for t in 0..<steps {
        let (source, destination) = (x + (t * batch + n) * features, y + (n * steps + t) * features)
        if accumulate {
          for j in 0..<features { destination[j] += source[j] }
        } else {
          destination.update(from: source, count: features)
        }
      }
    }
  }

  /// The input half of every step's gate pre-activations at once:
  /// `gates = input W_ih^T + b_ih` over all `T * N` rows of the time-major input.
  func projectInputs(layer: Int, input: UnsafePointer<Float>, into gates: UnsafeMutablePointer<Float>) {
    let inputSize = stack.inputSize(layer)
    GEMM.sgemm(
      transposeB: true, m: steps * batch, n: gateWidth, k: inputSize, a: input, lda: inputSize,
      b: parameters[4 * layer], ldb: inputSize, c: gates, ldc: gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(parameters[4 * layer + 2])), pool: pool)
  }

  /// One step's recurrent term `h_{t-1} W_hh^T + b_hh` for the `N` rows of
  /// `gates` (`[N, G * H]`): added to them when `accumulate` is set, else written.
  /// At the first step (`previous` nil) the state is zero and only the bias remains.
  func recurrentTerm(
    layer: Int, previous: UnsafePointer<Float>?, into gates: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let bias = parameters[4 * layer + 3]
    guard let previous else {
      for n in 0..<batch {
        let row = gates + n * gateWidth
        if accumulate {
          for j in 0..<gateWidth { row[j] += bias[j] }
        } else {
          row.update(from: bias, count: gateWidth)
        }
      }
      return
    }
    GEMM.sgemm(
      transposeB: true, m: batch, n: gateWidth, k: hidden, a: previous, lda: hidden,
      b: parameters[4 * layer + 1], ldb: hidden, beta: accumulate ? 1 : 0, c: gates, ldc: gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(bias)), pool: pool)
  }

  /// Backpropagates one step's recurrent term: `dh_{t-1} += dGates_t W_hh`.
  func backpropagateRecurrentTerm(
    layer: Int, dGates: UnsafePointer<Float>, into dPrevious: UnsafeMutablePointer<Float>
  ) {
    GEMM.sgemm(
      m: batch, n: hidden, k: gateWidth, a: dGates, lda: gateWidth, b: parameters[4 * layer + 1], ldb: hidden,
      beta: 1, c: dPrevious, ldc: hidden, pool: pool)
  }

  /// A layer's parameter gradients after backpropagation through its steps, and
  /// the gradient of its input sequence, each one GEMM over all steps:
  /// `dW_ih = dInputGates^T input`, `dW_hh = dHiddenGates[1...]^T hidden[..<T-1]`,
  /// the biases' column sums, and `dInput = dInputGates W_ih` (time-major,
  /// overwritten). The gate gradients are `[T, N, G * H]`; they are the same
  /// buffer for LSTM, and differ in the new gate for GRU.
  func layerGradients(
    layer: Int, input: UnsafePointer<Float>, hidden states: UnsafePointer<Float>,
    dInputGates: UnsafePointer<Float>, dHiddenGates: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?
  ) {
    let (inputSize, rows, p) = (stack.inputSize(layer), steps * batch, 4 * layer)
    func beta(_ i: Int) -> Float { accumulateParameters[i] ? 1 : 0 }
    if let dWeight = parameterGradients[p] {
      GEMM.sgemm(
        transposeA: true, m: gateWidth, n: inputSize, k: rows, a: dInputGates, lda: gateWidth, b: input,
        ldb: inputSize, beta: beta(p), c: dWeight, ldc: inputSize, pool: pool)
    }
    if let dWeight = parameterGradients[p + 1] {
      GEMM.sgemm(
        transposeA: true, m: gateWidth, n: hidden, k: rows - batch, a: dHiddenGates + stepGateCount, lda: gateWidth,
        b: states, ldb: hidden, beta: beta(p + 1), c: dWeight, ldc: hidden, pool: pool)
    }
    if let dBias = parameterGradients[p + 2] {
      BiasGradient.columnSums(
        dInputGates, rows: rows, columns: gateWidth, into: dBias, accumulate: accumulateParameters[p + 2])
    }
    if let dBias = parameterGradients[p + 3] {
      BiasGradient.columnSums(
        dHiddenGates, rows: rows, columns: gateWidth, into: dBias, accumulate: accumulateParameters[p + 3])
    }
    if let dInput {
      GEMM.sgemm(
        m: rows, n: inputSize, k: gateWidth, a: dInputGates, lda: gateWidth, b: parameters[p], ldb: inputSize,
        c: dInput, ldc: inputSize, pool: pool)
    }
  }
}

// MARK: - LSTM

extension RecurrentPass {
  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` added into the step's gates,
  /// and the cell: `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`.
  func lstmForward(saved: [UnsafeMutablePointer<Float>], timeMajorInput: UnsafeMutablePointer<Float>) {
    for layer in 0..<stack.layers {
      let (gates, cells, cellTanh, states) = (
        saved[4 * layer], saved[4 * layer + 1], saved[4 * layer + 2], saved[4 * layer + 3]
      )
      let input = layer == 0 ? timeMajorInput : saved[4 * layer - 1]
      projectInputs(layer: layer, input: input, into: gates)
      for t in 0..<steps {
        let stepGates = gates + t * stepGateCount
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        recurrentTerm(layer: layer, previous: t > 0 ? states + previous : nil, into: stepGates, accumulate: true)
        for n in 0..<batch {
          let g = stepGates + n * gateWidth
          let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
          VectorMath.sigmoid(input, input, count: 2 * hidden)  // input and forget gates
          VectorMath.tanh(candidate, candidate, count: hidden)
          VectorMath.sigmoid(output, output, count: hidden)
          let (cell, previousCell) = (cells + offset + n * hidden, cells + previous + n * hidden)
          for j in 0..<hidden {
            cell[j] = forget[j] * (t > 0 ? previousCell[j] : 0) + input[j] * candidate[j]
          }
        }
        VectorMath.tanh(cells + offset, cellTanh + offset, count: stepHiddenCount)
        for n in 0..<batch {
          let output = stepGates + n * gateWidth + 3 * hidden
          let (squashed, state) = (cellTanh + offset + n * hidden, states + offset + n * hidden)
          for j in 0..<hidden { state[j] = output[j] * squashed[j] }
        }
      }
    }
  }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient and the running cell gradient, and
  /// the recurrent GEMM `dh_{t-1} += dGates_t W_hh`; then per layer one GEMM each
  /// for `dW_ih`, `dW_hh` and the gradient of the layer's input (left time-major
  /// in `timeMajorInput` for layer 0 when `needsInputGradient`).
  func lstmBackward(
    input batchMajorInput: UnsafePointer<Float>, saved: [UnsafeMutablePointer<Float>],
    timeMajorInput: UnsafeMutablePointer<Float>, dStates: UnsafeMutablePointer<Float>, needsInputGradient: Bool
  ) {
    let dGates = dStates + steps * stepHiddenCount
    let dCell = dGates + steps * stepGateCount
    for layer in (0..<stack.layers).reversed() {
      let (gates, cells, cellTanh) = (saved[4 * layer], saved[4 * layer + 1], saved[4 * layer + 2])
      dCell.update(repeating: 0, count: stepHiddenCount)
      for t in (0..<steps).reversed() {
        let (stepGates, stepDGates) = (gates + t * stepGateCount, dGates + t * stepGateCount)
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        for n in 0..<batch {
          let (g, dg) = (stepGates + n * gateWidth, stepDGates + n * gateWidth)
          let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
          let (dInput, dForget, dCandidate, dOutput) = (dg, dg + hidden, dg + 2 * hidden, dg + 3 * hidden)
          let row = n * hidden
          let (dState, squashed, carry) = (dStates + offset + row, cellTanh + offset + row, dCell + row)
          let previousCell = cells + previous + row
          // Short loops over few arrays, so that each one vectorizes.
          for j in 0..<hidden { dOutput[j] = dState[j] * squashed[j] * output[j] * (1 - output[j]) }
          for j in 0..<hidden { carry[j] += dState[j] * output[j] * (1 - squashed[j] * squashed[j]) }
          for j in 0..<hidden { dInput[j] = carry[j] * candidate[j] * input[j] * (1 - input[j]) }
          for j in 0..<hidden { dCandidate[j] = carry[j] * input[j] * (1 - candidate[j] * candidate[j]) }
          if t > 0 {
            for j in 0..<hidden { dForget[j] = carry[j] * previousCell[j] * forget[j] * (1 - forget[j]) }
          } else {
            dForget.update(repeating: 0, count: hidden)
          }
          for j in 0..<hidden { carry[j] *= forget[j] }
        }
        if t > 0 {
          backpropagateRecurrentTerm(layer: layer, dGates: stepDGates, into: dStates + previous)
        }
      }
      if layer == 0 {
        Self.toTimeMajor(batchMajorInput, timeMajorInput, batch: batch, steps: steps, features: stack.features)
      }
      let input = layer == 0 ? timeMajorInput : saved[4 * layer - 1]
      let dLayerInput = layer > 0 ? dStates : needsInputGradient ? timeMajorInput : nil
      layerGradients(
        layer: layer, input: input, hidden: saved[4 * layer + 3], dInputGates: dGates, dHiddenGates: dGates,
        dInput: dLayerInput)
    }
  }
}

// MARK: - GRU

extension RecurrentPass {
  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` and the cell, as PyTorch:
  /// `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
  /// `h_t = (1 - z) * n + z * h_{t-1}`.
  func gruForward(saved: [UnsafeMutablePointer<Float>], timeMajorInput: UnsafeMutablePointer<Float>) {
    let recurrent = timeMajorInput + steps * batch * stack.features
    for layer in 0..<stack.layers {
      let (gates, resetOperand, states) = (saved[3 * layer], saved[3 * layer + 1], saved[3 * layer + 2])
      let input = layer == 0 ? timeMajorInput : saved[3 * layer - 1]
      projectInputs(layer: layer, input: input, into: gates)
      for t in 0..<steps {
        let stepGates = gates + t * stepGateCount
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        recurrentTerm(layer: layer, previous: t > 0 ? states + previous : nil, into: recurrent, accumulate: false)
        for n in 0..<batch {
          let (g, h) = (stepGates + n * gateWidth, recurrent + n * gateWidth)
          let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
          let (state, previousState) = (states + offset + n * hidden, states + previous + n * hidden)
          for j in 0..<(2 * hidden) { g[j] += h[j] }
          VectorMath.sigmoid(reset, reset, count: 2 * hidden)  // reset and update gates
          (resetOperand + offset + n * hidden).update(from: h + 2 * hidden, count: hidden)
          for j in 0..<hidden { candidate[j] += reset[j] * h[2 * hidden + j] }
          VectorMath.tanh(candidate, candidate, count: hidden)
          for j in 0..<hidden {
            state[j] = (1 - update[j]) * candidate[j] + update[j] * (t > 0 ? previousState[j] : 0)
          }
        }
      }
    }
  }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient, the direct path
  /// `dh_{t-1} += dh_t * z` and the recurrent GEMM `dh_{t-1} += dGates_t W_hh`;
  /// then per layer one GEMM each for `dW_ih`, `dW_hh` and the gradient of the
  /// layer's input (left time-major in `timeMajorInput` for layer 0 when
  /// `needsInputGradient`).
  func gruBackward(
    input batchMajorInput: UnsafePointer<Float>, saved: [UnsafeMutablePointer<Float>],
    timeMajorInput: UnsafeMutablePointer<Float>, dStates: UnsafeMutablePointer<Float>, needsInputGradient: Bool
  ) {
    let dInputGates = dStates + steps * stepHiddenCount
    let dHiddenGates = dInputGates + steps * stepGateCount
    for layer in (0..<stack.layers).reversed() {
      let (gates, resetOperand, states) = (saved[3 * layer], saved[3 * layer + 1], saved[3 * layer + 2])
      for t in (0..<steps).reversed() {
        let stepGates = gates + t * stepGateCount
        let (stepDInput, stepDHidden) = (dInputGates + t * stepGateCount, dHiddenGates + t * stepGateCount)
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        for n in 0..<batch {
          let g = stepGates + n * gateWidth
          let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
          let (dx, dh) = (stepDInput + n * gateWidth, stepDHidden + n * gateWidth)
          let (dReset, dUpdate, dCandidate) = (dx, dx + hidden, dx + 2 * hidden)
          let row = n * hidden
          let (dState, operand) = (dStates + offset + row, resetOperand + offset + row)
          let (previousState, dPrevious) = (states + previous + row, dStates + previous + row)
          // Short loops over few arrays, so that each one vectorizes.
          for j in 0..<hidden { dCandidate[j] = dState[j] * (1 - update[j]) * (1 - candidate[j] * candidate[j]) }
          if t > 0 {
            for j in 0..<hidden {
              dUpdate[j] = dState[j] * (previousState[j] - candidate[j]) * update[j] * (1 - update[j])
            }
            for j in 0..<hidden { dPrevious[j] += dState[j] * update[j] }
          } else {
            for j in 0..<hidden { dUpdate[j] = -dState[j] * candidate[j] * update[j] * (1 - update[j]) }
          }
          for j in 0..<hidden { dReset[j] = dCandidate[j] * operand[j] * reset[j] * (1 - reset[j]) }
          // The hidden side differs only in the new gate, where r multiplies W_hn h + b_hn.
          dh.update(from: dx, count: 2 * hidden)
          for j in 0..<hidden { dh[2 * hidden + j] = dCandidate[j] * reset[j] }
        }
        if t > 0 {
          backpropagateRecurrentTerm(layer: layer, dGates: stepDHidden, into: dStates + previous)
        }
      }
      if layer == 0 {
        Self.toTimeMajor(batchMajorInput, timeMajorInput, batch: batch, steps: steps, features: stack.features)
      }
      let input = layer == 0 ? timeMajorInput : saved[3 * layer - 1]
      let dLayerInput = layer > 0 ? dStates : needsInputGradient ? timeMajorInput : nil
      layerGradients(
        layer: layer, input: input, hidden: states, dInputGates: dInputGates, dHiddenGates: dHiddenGates,
        dInput: dLayerInput)
    }
  }
}
"""###
    ),
    (
      "Reductions.swift",
      ###"""
/// Vectorized sums over contiguous floats, for the reductions of normalization,
/// pooling and bias-gradient kernels (a plain `for` loop summing floats stays
/// scalar, since the compiler may not reorder float additions).
public enum Reductions {
  /// `x[0] + ... + x[count - 1]`.
  public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    let lanes = KernelVector.scalarCount
    var accumulators = (KernelVector(), KernelVector())
    var i = 0
    while i + 2 * lanes <= count {
      accumulators.0 += loadVector(x + i)
      accumulators.1 += loadVector(x + i + lanes)
      i += 2 * lanes
    }
    var total = (accumulators.0 + accumulators.1).sum()
    while i < count {
      total += x[i]
      i += 1
    }
    return total
  }

  /// `(x[0] - center)^2 + ... + (x[count - 1] - center)^2`.
  public static func squaredDeviations(_ x: UnsafePointer<Float>, from center: Float, count: Int) -> Float {
    let lanes = KernelVector.scalarCount
    let centers = KernelVector(repeating: center)
    var accumulators = (KernelVector(), KernelVector())
    var i = 0
    while i + 2 * lanes <= count {
      let d0 = loadVector(x + i) - centers
      let d1 = loadVector(x + i + lanes) - centers
      accumulators.0 = multiplyAdd(accumulators.0, d0, d0)
      accumulators.1 = multiplyAdd(accumulators.1, d1, d1)
      i += 2 * lanes
    }
    var total = (accumulators.0 + accumulators.1).sum()
    while i < count {
      total += (x[i] - center) * (x[i] - center)
      i += 1
    }
    return total
  }

  /// `(x[0] - center) * y[0] + ... + (x[count - 1] - center) * y[count - 1]`, without
  /// the cancellation of `dot(x, y) - center * sum(y)`.
  public static func centeredDot(
    _ x: UnsafePointer<Float>, from center: Float, _ y: UnsafePointer<Float>, count: Int
  ) -> Float {
    let lanes = KernelVector.scalarCount
    let centers = KernelVector(repeating: center)
    var accumulators = (KernelVector(), KernelVector())
    var i = 0
    while i + 2 * lanes <= count {
      accumulators.0 = multiplyAdd(accumulators.0, loadVector(x + i) - centers, loadVector(y + i))
      accumulators.1 = multiplyAdd(accumulators.1, loadVector(x + i + lanes) - centers, loadVector(y + i + lanes))
      i += 2 * lanes
    }
    var total = (accumulators.0 + accumulators.1).sum()
    while i < count {
      total += (x[i] - center) * y[i]
      i += 1
    }
    return total
  }
}
"""###
    ),
    (
      "SoftmaxKernels.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Softmax along one axis of a tensor seen as `[outer, length, inner]`: the
/// axis is the middle one, so each softmax vector has `length` elements
/// `inner` apart.
public enum SoftmaxKernels {
  /// `y = exp(x - max(x)) / sum(exp(x - max(x)))` along every vector; `y` may be `x`.
  public static func forward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, outer: Int, length: Int, inner: Int
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * length * inner + i
        let (x, y) = (x + base, y + base)
        var maximum = -Float.infinity
        for j in 0..<length { maximum = max(maximum, x[j * inner]) }
        var sum: Float = 0
        for j in 0..<length {
          let e = expf(x[j * inner] - maximum)
          y[j * inner] = e
          sum += e
        }
        let inverse = 1 / sum
        for j in 0..<length { y[j * inner] *= inverse }
      }
    }
  }

  /// `dx = y * (dy - sum(dy * y))` along every vector, from the output `y`;
  /// added into `dx` when `accumulate` is set.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, outer: Int, length: Int,
    inner: Int, accumulate: Bool
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * length * inner + i
        let (y, dy, dx) = (y + base, dy + base, dx + base)
        var dot: Float = 0
        for j in 0..<length { dot += dy[j * inner] * y[j * inner] }
        for j in 0..<length {
          let g = y[j * inner] * (dy[j * inner] - dot)
          if accumulate { dx[j * inner] += g } else { dx[j * inner] = g }
        }
      }
    }
  }
}
"""###
    ),
    (
      "SplitMix64.swift",
      ###"""
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose output
/// is the same on every platform, used for initialization and dropout masks by
/// the interpreter and by emitted code alike.
public struct SplitMix64: Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inline(__always)
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1) with 24 random bits.
  @inline(__always)
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Standard normal (Box–Muller, one value per call).
  public mutating func nextGaussian() -> Float {
    let u1 = max(nextFloat(), 1e-7)
    let u2 = nextFloat()
    return (-2 * logf(u1)).squareRoot() * cosf(2 * Float.pi * u2)
  }

  /// A well-mixed 64-bit seed from two values (SplitMix64's finalizer folded
  /// over them): parameter `i` is initialized from the stream `mix(seed, i)`.
  public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    fold(fold(0x9E37_79B9_7F4A_7C15, a), b)
  }

  /// A well-mixed 64-bit seed from three values: the dropout mask of node `j`
  /// at forward pass `s` is drawn from `mix(seed, j, s)`.
  public static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    fold(fold(fold(0x9E37_79B9_7F4A_7C15, a), b), c)
  }

  @inline(__always)
  private static func fold(_ hash: UInt64, _ value: UInt64) -> UInt64 {
    var h = hash
    h ^= value &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
  }

  /// Fills `count` floats with uniform values in (-bound, bound).
  public static func fillUniform(_ destination: UnsafeMutablePointer<Float>, count: Int, bound: Float, seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for i in 0..<count { destination[i] = (2 * random.nextFloat() - 1) * bound }
  }

  /// Fills `count` floats with normal values of standard deviation `std`.
  public static func fillNormal(_ destination: UnsafeMutablePointer<Float>, count: Int, std: Float, seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for i in 0..<count { destination[i] = random.nextGaussian() * std }
  }
}
"""###
    ),
    (
      "VectorMath.swift",
      ###"""
/// `exp`, the logistic sigmoid and `tanh` over arrays, a whole SIMD vector at a
/// time: for the gates of recurrent cells and for attention's softmax, where one
/// libm call per element would cost more than the GEMMs around them.
///
/// The polynomials are Cephes' single-precision `expf` and `tanhf` (S. Moshier).
/// Measured against double precision over all float inputs: `exp` within 1 ulp
/// (8.3e-8 relative), `tanh` within 2.8e-7 relative (1.8e-7 absolute), sigmoid
/// within 1.5e-7 relative. Results are clamped where float32 runs out (`exp`
/// saturates at about 2^127 and 2^-126); NaN stays NaN. `x` and `y` may be the same
/// buffer.
public enum VectorMath {
  /// `y[i] = e^x[i]`.
  public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(exponential(loadVector(x + i)), to: y + i)
    }
    if whole < count { storeTail(exponential(loadTail(x + whole, count - whole)), y + whole, count - whole) }
  }

  /// `y[i] = 1 / (1 + e^-x[i])`.
  public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(logistic(loadVector(x + i)), to: y + i)
    }
    if whole < count { storeTail(logistic(loadTail(x + whole, count - whole)), y + whole, count - whole) }
  }

  /// `y[i] = tanh(x[i])`.
  public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(hyperbolicTangent(loadVector(x + i)), to: y + i)
    }
    if whole < count {
      storeTail(hyperbolicTangent(loadTail(x + whole, count - whole)), y + whole, count - whole)
    }
  }

  /// The first `count` lanes from `x`, the rest zero.
  @inline(__always)
  private static func loadTail(_ x: UnsafePointer<Float>, _ count: Int) -> KernelVector {
    var v = KernelVector()
    for lane in 0..<count { v[lane] = x[lane] }
    return v
  }

  /// Stores the first `count` lanes of `v`.
  @inline(__always)
  private static func storeTail(_ v: KernelVector, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    for lane in 0..<count { y[lane] = v[lane] }
  }

  @inline(__always)
  private static func logistic(_ x: KernelVector) -> KernelVector { 1 / (1 + exponential(-x)) }

  /// An odd polynomial for |x| < 0.625 (Cephes `tanhf`), else `1 - 2 / (1 + e^2x)`.
  @inline(__always)
  private static func hyperbolicTangent(_ x: KernelVector) -> KernelVector {
    let large = 1 - 2 / (1 + exponential(2 * x))
    let z = x * x
    var p = KernelVector(repeating: -5.704_988_727_45e-3)
    p = p * z + 2.063_908_879_54e-2
    p = p * z - 5.373_971_555_31e-2
    p = p * z + 1.333_144_220_36e-1
    p = p * z - 3.333_328_194_22e-1
    let small = p * z * x + x
    return large.replacing(with: small, where: z .< 0.390_625)
  }

  /// Cephes `expf`: `e^x = 2^n * e^r` with `n = round(x / ln 2)` and `|r| <= ln 2 / 2`,
  /// `e^r` by a degree-6 polynomial, `2^n` built in the exponent bits.
  @inline(__always)
  private static func exponential(_ x: KernelVector) -> KernelVector {
    var clamped = x
    clamped.replace(with: -87.3, where: clamped .< -87.3)
    clamped.replace(with: 88.3, where: clamped .> 88.3)
    // Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low mantissa bits.
    let magic = KernelVector(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    // r = x - n ln 2, with ln 2 split in two so n * 0.693359375 is exact.
    var r = clamped - n * 0.693_359_375
    r = r - n * -2.121_944_40e-4
    var p = KernelVector(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    // n is the difference of the bit patterns; 2^n has exponent field n + 127.
    typealias Bits = KernelVector.MaskStorage
    let exponent = unsafeBitCast(shifted, to: Bits.self) &- unsafeBitCast(magic, to: Bits.self) &+ 127
    let scale = unsafeBitCast(exponent &<< 23, to: KernelVector.self)
    return (p * scale).replacing(with: x, where: x .!= x)
  }
}
"""###
    ),
  ]
}
