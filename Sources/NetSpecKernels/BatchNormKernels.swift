/// Batch normalization over `[batch, channels, positions]`: one mean and
/// variance per channel, over the batch and the positions, optionally with the
/// ReLU that follows it fused into its store and its gradient.
///
/// Each tensor is streamed the fewest times the math allows: the forward pass
/// reads `x` once for the statistics (each block of a plane twice, the second
/// time from L1: ``statistics(_:planeStride:planes:positions:)``) and once to
/// write `y`; the backward pass reads `x` and `dy` once for the two sums and
/// once more to write `dx`. A fused ReLU costs no pass of its own: the forward
/// store clamps at 0, and the backward pass recomputes the mask from `x`
/// (the same arithmetic as the store, so the same bits) instead of reading `y`.
/// Channels are split over the pool when that has been measured faster
/// (``KernelShape/batchNorm``).
public enum BatchNormKernels {
  /// Per channel: in training the batch statistics (accumulated in Double)
  /// and the running statistics' update (`running = (1 - momentum) * running
  /// + momentum * batch`, the variance unbiased), in evaluation the running
  /// statistics; then `y = (x - mean) * scale + bias` with `scale = weight /
  /// std`, or `max(that, 0)` with `relu` (centering first keeps the precision
  /// of channels whose mean is large against their spread, as `x * scale +
  /// (bias - mean * scale)` would not). The mean and inverse standard
  /// deviation used are kept in `mean` and `inverseStd` (`channels` floats
  /// each).
  public static func forward(
    y: UnsafeMutablePointer<Float>, mean savedMean: UnsafeMutablePointer<Float>,
    inverseStd savedInverseStd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
    runningVariance: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, batch: Int, channels: Int, positions: Int, momentum: Float, epsilon: Float,
    training: Bool, relu: Bool, pool: ComputePool
  ) {
    let count = batch * positions
    let planeStride = channels * positions
    forEachChannelRange(channels, elements: count, backward: false, pool: pool) { channelRange in
      for c in channelRange {
        var mean = runningMean[c]
        var variance = runningVariance[c]
        if training {
          let batchStatistics = statistics(
            x + c * positions, planeStride: planeStride, planes: batch, positions: positions)
          mean = Float(batchStatistics.mean)
          variance = Float(batchStatistics.squares / Double(count))
          let unbiased = count > 1 ? Float(batchStatistics.squares / Double(count - 1)) : variance
          runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
          runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * unbiased
        }
        let inverseStd = 1 / (variance + epsilon).squareRoot()
        savedMean[c] = mean
        savedInverseStd[c] = inverseStd
        let affine = ChannelAffine(mean: mean, scale: weight[c] * inverseStd, shift: bias[c])
        for n in 0..<batch {
          let offset = n * planeStride + c * positions
          if relu {
            normalize(x + offset, into: y + offset, count: positions, affine, relu: true)
          } else {
            normalize(x + offset, into: y + offset, count: positions, affine, relu: false)
          }
        }
      }
    }
  }

  /// Per channel (both sums in one pass over `x` and `dy`): `dBias = sum(g)`,
  /// `dWeight = sum(g * xhat)` and, in training,
  /// `dx = weight / std * (g - dBias / m - xhat * dWeight / m)` over the `m`
  /// values of the channel, where `g` is `dy`, or with `relu` (the forward
  /// pass fused one) `dy` where the forward output is positive and 0
  /// elsewhere, the mask recomputed from `x`, `weight` and `bias`; in
  /// evaluation the statistics are constants, so `dx = weight / std * g`. A
  /// nil gradient is skipped; each is added into when its `accumulate` flag
  /// is set.
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, mean savedMean: UnsafePointer<Float>,
    inverseStd savedInverseStd: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    batch: Int, channels: Int, positions: Int, training: Bool, relu: Bool, accumulateInput: Bool,
    accumulateWeight: Bool, accumulateBias: Bool, pool: ComputePool
  ) {
    let count = batch * positions
    let planeStride = channels * positions
    forEachChannelRange(channels, elements: count, backward: true, pool: pool) { channelRange in
      for c in channelRange {
        let (mean, inverseStd) = (savedMean[c], savedInverseStd[c])
        let affine = ChannelAffine(mean: mean, scale: weight[c] * inverseStd, shift: bias[c])
        var sumDy: Double = 0
        var sumDyCentered: Double = 0
        for n in 0..<batch {
          let offset = n * planeStride + c * positions
          let sums =
            relu
            ? gradientSums(x + offset, dy + offset, count: positions, affine, relu: true)
            : gradientSums(x + offset, dy + offset, count: positions, affine, relu: false)
          sumDy += Double(sums.sum)
          sumDyCentered += Double(sums.centeredDot)
        }
        if let dWeight {
          let g = Float(sumDyCentered) * inverseStd
          if accumulateWeight { dWeight[c] += g } else { dWeight[c] = g }
        }
        if let dBias {
          if accumulateBias { dBias[c] += Float(sumDy) } else { dBias[c] = Float(sumDy) }
        }
        guard let dx else { continue }
        // dx = a * g + b * (x - mean) + c0, centered as in the forward pass.
        let a = weight[c] * inverseStd
        let terms = InputGradientTerms(
          a: a, b: training ? -a * inverseStd * inverseStd * Float(sumDyCentered / Double(count)) : 0,
          c0: training ? -a * Float(sumDy / Double(count)) : 0)
        for n in 0..<batch {
          let offset = n * planeStride + c * positions
          switch (relu, accumulateInput) {
          case (false, false):
            inputGradient(dx + offset, x + offset, dy + offset, positions, affine, terms, relu: false, add: false)
          case (false, true):
            inputGradient(dx + offset, x + offset, dy + offset, positions, affine, terms, relu: false, add: true)
          case (true, false):
            inputGradient(dx + offset, x + offset, dy + offset, positions, affine, terms, relu: true, add: false)
          case (true, true):
            inputGradient(dx + offset, x + offset, dy + offset, positions, affine, terms, relu: true, add: true)
          }
        }
      }
    }
  }

  /// Fewest elements (`channels * batch * positions`) for which a call asks the
  /// calibration whether to use the pool: below, ~1 µs of dispatch is more
  /// than the work.
  static let parallelFloor = 4096

  /// Runs `body` on ranges of channels: one range per pool thread when the
  /// pool has been measured faster than the calling thread alone for this
  /// shape (``ComputePool/choosingThreads(_:_:)`` with ``KernelShape/batchNorm``),
  /// else all channels on the calling thread. Each channel's arithmetic is the
  /// same on either path, so the results are too.
  @inline(__always)
  static func forEachChannelRange(
    _ channels: Int, elements: Int, backward: Bool, pool: ComputePool, _ body: (Range<Int>) -> Void
  ) {
    let tasks = min(pool.threadCount, channels)
    guard tasks > 1, channels * elements >= parallelFloor else { return body(0..<channels) }
    pool.choosingThreads(KernelShape(kernel: KernelShape.batchNorm, channels, elements, backward ? 1 : 0)) {
      parallel in
      let used = parallel ? tasks : 1
      pool.parallelFor(used) { task in body((channels * task / used)..<(channels * (task + 1) / used)) }
    }
  }
}
