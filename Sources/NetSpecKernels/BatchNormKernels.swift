/// Batch normalization over `[batch, channels, positions]`: one mean and
/// variance per channel, over the batch and the positions.
public enum BatchNormKernels {
  /// Per channel (in parallel): in training the batch statistics (two passes,
  /// accumulated in Double) and the running statistics' update
  /// (`running = (1 - momentum) * running + momentum * batch`, the variance
  /// unbiased), in evaluation the running statistics; then
  /// `y = (x - mean) * scale + bias` with `scale = weight / std` (centering
  /// first keeps the precision of channels whose mean is large against their
  /// spread, as `x * scale + (bias - mean * scale)` would not).
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
        let (scale, shift) = (weight[c] * inverseStd, bias[c])
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          for i in 0..<positions { y[offset + i] = (x[offset + i] - mean) * scale + shift }
        }
      }
    }
  }

  /// Per channel (in parallel; both sums in one pass over `x` and `dy`):
  /// `dBias = sum(dy)`, `dWeight = sum(dy * xhat)` and, in
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
          let sums = Reductions.sumAndCenteredDot(x + offset, from: mean, dy + offset, count: positions)
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
        // dx = a * dy + b * (x - mean) + c0, centered as in the forward pass.
        let a = weight[c] * inverseStd
        let b = training ? -a * inverseStd * inverseStd * Float(sumDyCentered / Double(count)) : 0
        let c0 = training ? -a * Float(sumDy / Double(count)) : 0
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          if accumulateInput {
            for i in 0..<positions { dx[offset + i] += a * dy[offset + i] + b * (x[offset + i] - mean) + c0 }
          } else {
            for i in 0..<positions { dx[offset + i] = a * dy[offset + i] + b * (x[offset + i] - mean) + c0 }
          }
        }
      }
    }
  }
}
