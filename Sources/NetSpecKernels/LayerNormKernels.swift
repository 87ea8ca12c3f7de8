/// Layer normalization of `rows` vectors of `features` floats each, `inner`
/// floats apart: the vectors of `[outer, features, inner]`, which is the
/// last axis (`inner` 1, `rows x features`) or a block of axes before others
/// (ConvNeXt's channels-first norm over axis 1 of `[N, C, H, W]`, `inner`
/// `H * W`). The interpreter's `layernorm` op and emitted code both call these.
public enum LayerNormKernels {
  /// Per row (rows in parallel): the mean, the variance (two passes), then
  /// `y = (x - mean) / std * weight + bias`; saves each row's mean and inverse
  /// standard deviation (row `o * inner + i` for vector `i` of block `o`) for
  /// ``backward(x:outputGradient:weight:mean:inverseStd:workspace:inputGradient:accumulateInput:weightGradient:accumulateWeight:biasGradient:accumulateBias:rows:features:inner:pool:)``.
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>, rows: Int, features: Int,
    inner: Int, epsilon: Float, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, y, weight, bias) = (x, y, weight, bias)
    nonisolated(unsafe) let (savedMean, savedInverseStd) = (mean, inverseStd)
    if inner > 1 {
      let block = features * inner
      pool.parallelRanges(rows / inner, grain: max(1, 16_384 / block)) { blocks in
        for o in blocks {
          let (input, output) = (x + o * block, y + o * block)
          let (mean, inverseStd) = (savedMean + o * inner, savedInverseStd + o * inner)
          mean.update(repeating: 0, count: inner)
          inverseStd.update(repeating: 0, count: inner)
          for d in 0..<features {
            for i in 0..<inner { mean[i] += input[d * inner + i] }
          }
          for i in 0..<inner { mean[i] /= Float(features) }
          for d in 0..<features {
            for i in 0..<inner { inverseStd[i] += (input[d * inner + i] - mean[i]) * (input[d * inner + i] - mean[i]) }
          }
          for i in 0..<inner { inverseStd[i] = 1 / (inverseStd[i] / Float(features) + epsilon).squareRoot() }
          for d in 0..<features {
            let (w, b) = (weight[d], bias[d])
            for i in 0..<inner { output[d * inner + i] = (input[d * inner + i] - mean[i]) * inverseStd[i] * w + b }
          }
        }
      }
      return
    }
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

  /// With `g = dy * weight` (formed in `workspace`, `rows * features` floats,
  /// at least 2 per row) and `xhat = (x - mean) / std` per row:
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
    rows: Int, features: Int, inner: Int, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, dy, weight, savedMean, savedInverseStd) = (x, outputGradient, weight, mean, inverseStd)
    if inner > 1 {
      stridedBackward(
        x: x, outputGradient: dy, weight: weight, mean: mean, inverseStd: inverseStd, workspace: workspace,
        inputGradient: inputGradient, accumulateInput: accumulateInput, weightGradient: weightGradient,
        accumulateWeight: accumulateWeight, biasGradient: biasGradient, accumulateBias: accumulateBias, rows: rows,
        features: features, inner: inner, pool: pool)
      return
    }
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

  /// ``backward(x:outputGradient:weight:mean:inverseStd:workspace:inputGradient:accumulateInput:weightGradient:accumulateWeight:biasGradient:accumulateBias:rows:features:inner:pool:)``
  /// for vectors `inner` floats apart: per block of `features * inner`
  /// floats, the sums `sum(g)` and `sum(g * xhat)` of its `inner` vectors are
  /// gathered in the workspace, a feature at a time.
  private static func stridedBackward(
    x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, accumulateInput: Bool,
    weightGradient: UnsafeMutablePointer<Float>?, accumulateWeight: Bool,
    biasGradient: UnsafeMutablePointer<Float>?, accumulateBias: Bool,
    rows: Int, features: Int, inner: Int, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, dy, weight, savedMean, savedInverseStd) = (x, dy, weight, mean, inverseStd)
    let block = features * inner
    if let inputGradient {
      nonisolated(unsafe) let (dxBase, sums) = (inputGradient, workspace)
      pool.parallelRanges(rows / inner, grain: max(1, 16_384 / block)) { blocks in
        for o in blocks {
          let (input, gradient, dx) = (x + o * block, dy + o * block, dxBase + o * block)
          let (mean, inverseStd) = (savedMean + o * inner, savedInverseStd + o * inner)
          let (sumG, sumGXhat) = (sums + o * 2 * inner, sums + o * 2 * inner + inner)
          sumG.update(repeating: 0, count: 2 * inner)
          for d in 0..<features {
            let w = weight[d]
            for i in 0..<inner {
              let g = gradient[d * inner + i] * w
              sumG[i] += g
              sumGXhat[i] += g * (input[d * inner + i] - mean[i])
            }
          }
          let m = Float(features)
          for d in 0..<features {
            let w = weight[d]
            for i in 0..<inner {
              let xhat = (input[d * inner + i] - mean[i]) * inverseStd[i]
              let value =
                inverseStd[i] * (gradient[d * inner + i] * w - sumG[i] / m - xhat * sumGXhat[i] * inverseStd[i] / m)
              dx[d * inner + i] = (accumulateInput ? dx[d * inner + i] : 0) + value
            }
          }
        }
      }
    }
    guard weightGradient != nil || biasGradient != nil else { return }
    nonisolated(unsafe) let (dWeight, dBias) = (weightGradient, biasGradient)
    pool.parallelRanges(features, grain: max(1, 16_384 / rows)) { featureRange in
      for d in featureRange {
        var (sumDy, sumDyXhat): (Float, Float) = (0, 0)
        for o in 0..<(rows / inner) {
          let (input, gradient) = (x + o * block + d * inner, dy + o * block + d * inner)
          let (mean, inverseStd) = (savedMean + o * inner, savedInverseStd + o * inner)
          for i in 0..<inner {
            sumDy += gradient[i]
            sumDyXhat += gradient[i] * (input[i] - mean[i]) * inverseStd[i]
          }
        }
        if let dWeight { dWeight[d] = (accumulateWeight ? dWeight[d] : 0) + sumDyXhat }
        if let dBias { dBias[d] = (accumulateBias ? dBias[d] : 0) + sumDy }
      }
    }
  }
}
