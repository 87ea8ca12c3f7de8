/// Root-mean-square normalization over the last axis of `rows x features`
/// floats (PyTorch's `RMSNorm`, LLaMA's norm): `y = x / sqrt(mean(x^2) + eps) * weight`,
/// with no mean subtracted and no bias. The interpreter's `rms_norm` op and
/// emitted code both call these.
public enum RMSNormKernels {
  /// Per row (rows in parallel): `r = 1 / sqrt(mean(x^2) + epsilon)`, then
  /// `y = x * r * weight`; saves each row's `r` for the backward pass.
  public static func forward(
    y: UnsafeMutablePointer<Float>, inverseRMS: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, rows: Int, features: Int, epsilon: Float, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, y, weight, saved) = (x, y, weight, inverseRMS)
    pool.parallelRanges(rows, grain: max(1, 16_384 / features)) { rowRange in
      for r in rowRange {
        let (input, output) = (x + r * features, y + r * features)
        let meanSquare = Reductions.squaredDeviations(input, from: 0, count: features) / Float(features)
        let inverse = 1 / (meanSquare + epsilon).squareRoot()
        saved[r] = inverse
        for j in 0..<features { output[j] = input[j] * inverse * weight[j] }
      }
    }
  }

  /// With `g = dy * weight` and each row's `r`:
  /// `dx = r * g - x * r^3 * mean(g * x)`; over the rows, `dweight = sum(dy * x * r)`.
  /// Nil gradients are skipped; `accumulate*` adds into a gradient instead of
  /// overwriting it.
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    dy: UnsafePointer<Float>, inverseRMS: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int,
    features: Int, accumulateInput: Bool, accumulateWeight: Bool, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, dy, weight, saved) = (x, dy, weight, inverseRMS)
    if let dx {
      nonisolated(unsafe) let dx = dx
      pool.parallelRanges(rows, grain: max(1, 16_384 / features)) { rowRange in
        for r in rowRange {
          let (input, gradient, result) = (x + r * features, dy + r * features, dx + r * features)
          let inverse = saved[r]
          var dot: Float = 0
          for j in 0..<features { dot += gradient[j] * weight[j] * input[j] }
          let slope = inverse * inverse * inverse * dot / Float(features)
          if accumulateInput {
            for j in 0..<features { result[j] += inverse * gradient[j] * weight[j] - slope * input[j] }
          } else {
            for j in 0..<features { result[j] = inverse * gradient[j] * weight[j] - slope * input[j] }
          }
        }
      }
    }
    guard let dWeight else { return }
    nonisolated(unsafe) let weightGradient = dWeight
    pool.parallelRanges(features, grain: max(1, 16_384 / rows)) { columns in
      if !accumulateWeight { (weightGradient + columns.lowerBound).update(repeating: 0, count: columns.count) }
      for r in 0..<rows {
        let (input, gradient, inverse) = (x + r * features, dy + r * features, saved[r])
        for j in columns { weightGradient[j] += gradient[j] * input[j] * inverse }
      }
    }
  }
}
