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
