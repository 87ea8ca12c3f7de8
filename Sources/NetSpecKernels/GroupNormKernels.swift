/// Group normalization of `[batch, channels, positions]` (PyTorch's
/// `GroupNorm`; `InstanceNorm` is one group per channel): each sample's
/// channels are split into `groups` runs of `channels / groups`, each run is
/// normalized over its channels and positions together, then scaled and
/// shifted per channel. The interpreter's `group_norm` and `instance_norm`
/// ops and emitted code call these.
public enum GroupNormKernels {
  /// Per sample and group (in parallel): the mean, the biased variance (two
  /// passes), then `y = (x - mean) / std * weight[c] + bias[c]`; a nil
  /// `weight` is 1 and a nil `bias` 0. Saves each group's mean and inverse
  /// standard deviation (`batch * groups` floats each) for the backward pass.
  public static func forward(
    y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, batch: Int, channels: Int,
    groups: Int, positions: Int, epsilon: Float, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, y, weight, bias, savedMean, savedInverseStd) = (x, y, weight, bias, mean, inverseStd)
    let perGroup = channels / groups
    let count = perGroup * positions
    pool.parallelRanges(batch * groups, grain: max(1, 16_384 / count)) { range in
      for block in range {
        let (input, output) = (x + block * count, y + block * count)
        let mean = Reductions.sum(input, count: count) / Float(count)
        let variance = Reductions.squaredDeviations(input, from: mean, count: count) / Float(count)
        let inverseStd = 1 / (variance + epsilon).squareRoot()
        savedMean[block] = mean
        savedInverseStd[block] = inverseStd
        let firstChannel = (block % groups) * perGroup
        for k in 0..<perGroup {
          let c = firstChannel + k
          let scale = inverseStd * (weight?[c] ?? 1)
          let shift = (bias?[c] ?? 0) - mean * scale
          let (from, to) = (input + k * positions, output + k * positions)
          for p in 0..<positions { to[p] = from[p] * scale + shift }
        }
      }
    }
  }

  /// With `g = dy * weight[c]` and `xhat = (x - mean) * inverseStd` over each
  /// group's `M` values: `dx = inverseStd * (g - sum(g) / M - xhat * sum(g * xhat) / M)`;
  /// per channel, `dweight = sum(dy * xhat)` and `dbias = sum(dy)` over the
  /// batch and positions. Nil gradients are skipped (and a nil `weight` is
  /// 1); `accumulate*` adds into a gradient instead of overwriting it.
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
    weight: UnsafePointer<Float>?, batch: Int, channels: Int, groups: Int, positions: Int, accumulateInput: Bool,
    accumulateWeight: Bool, accumulateBias: Bool, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, dy, weight, savedMean, savedInverseStd) = (x, dy, weight, mean, inverseStd)
    let perGroup = channels / groups
    let count = perGroup * positions
    if let dx {
      nonisolated(unsafe) let dx = dx
      pool.parallelRanges(batch * groups, grain: max(1, 16_384 / count)) { range in
        for block in range {
          let (input, gradient, result) = (x + block * count, dy + block * count, dx + block * count)
          let (mean, inverseStd) = (savedMean[block], savedInverseStd[block])
          let firstChannel = (block % groups) * perGroup
          var (sumG, sumGXhat): (Float, Float) = (0, 0)
          for k in 0..<perGroup {
            let w = weight?[firstChannel + k] ?? 1
            let (from, dyRow) = (input + k * positions, gradient + k * positions)
            sumG += w * Reductions.sum(dyRow, count: positions)
            sumGXhat += w * Reductions.centeredDot(from, from: mean, dyRow, count: positions)
          }
          sumGXhat *= inverseStd
          // dx = inverseStd * (w dy - sumG / M - (x - mean) * inverseStd * sumGXhat / M).
          let slope = inverseStd * inverseStd * sumGXhat / Float(count)
          let offset = inverseStd * sumG / Float(count) - mean * slope
          for k in 0..<perGroup {
            let scale = inverseStd * (weight?[firstChannel + k] ?? 1)
            let (from, dyRow, to) = (input + k * positions, gradient + k * positions, result + k * positions)
            if accumulateInput {
              for p in 0..<positions { to[p] += scale * dyRow[p] - slope * from[p] - offset }
            } else {
              for p in 0..<positions { to[p] = scale * dyRow[p] - slope * from[p] - offset }
            }
          }
        }
      }
    }
    guard dWeight != nil || dBias != nil else { return }
    nonisolated(unsafe) let (weightGradient, biasGradient) = (dWeight, dBias)
    pool.parallelRanges(channels, grain: max(1, 16_384 / (batch * positions))) { channelRange in
      for c in channelRange {
        var (sumDy, sumDyXhat): (Float, Float) = (0, 0)
        for n in 0..<batch {
          let block = n * groups + c / perGroup
          let offset = (n * channels + c) * positions
          sumDy += Reductions.sum(dy + offset, count: positions)
          sumDyXhat +=
            Reductions.centeredDot(x + offset, from: savedMean[block], dy + offset, count: positions)
            * savedInverseStd[block]
        }
        if let weightGradient { weightGradient[c] = (accumulateWeight ? weightGradient[c] : 0) + sumDyXhat }
        if let biasGradient { biasGradient[c] = (accumulateBias ? biasGradient[c] : 0) + sumDy }
      }
    }
  }
}
