#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The losses: each forward writes the loss to `loss[0]` (summed in double
/// precision), each backward writes the prediction's gradient scaled by the
/// loss gradient `dLoss[0]`, adding into it when `accumulate` is set. The
/// target never gets a gradient. `average` is PyTorch's `reduction`: true
/// (`mean`) divides the sum by the number of terms, false (`sum`) keeps it.
public enum LossKernels {
  /// Squared error: `mean((p - t)^2)` (or the sum) over `count` elements.
  public static func mseForward(
    loss: UnsafeMutablePointer<Float>, prediction p: UnsafePointer<Float>, target t: UnsafePointer<Float>,
    count: Int, average: Bool
  ) {
    var total: Double = 0
    for e in 0..<count {
      let d = p[e] - t[e]
      total += Double(d * d)
    }
    loss[0] = Float(average ? total / Double(count) : total)
  }

  /// `dp = 2 (p - t) * dLoss / count` (without the division for a sum).
  public static func mseBackward(
    dPrediction dp: UnsafeMutablePointer<Float>, prediction p: UnsafePointer<Float>,
    target t: UnsafePointer<Float>, dLoss: UnsafePointer<Float>, count: Int, average: Bool, accumulate: Bool
  ) {
    let scale = 2 * dLoss[0] / (average ? Float(count) : 1)
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
    loss: UnsafeMutablePointer<Float>, logits x: UnsafePointer<Float>, target t: UnsafePointer<Float>, count: Int,
    average: Bool
  ) {
    var total: Double = 0
    for e in 0..<count {
      total += Double(max(x[e], 0) - x[e] * t[e] + log1pf(expf(-abs(x[e]))))
    }
    loss[0] = Float(average ? total / Double(count) : total)
  }

  /// `dx = (sigmoid(x) - t) * dLoss / count` (without the division for a sum).
  public static func binaryCrossEntropyBackward(
    dLogits dx: UnsafeMutablePointer<Float>, logits x: UnsafePointer<Float>, target t: UnsafePointer<Float>,
    dLoss: UnsafePointer<Float>, count: Int, average: Bool, accumulate: Bool
  ) {
    let scale = dLoss[0] / (average ? Float(count) : 1)
    for e in 0..<count {
      let g = (1 / (1 + expf(-x[e])) - t[e]) * scale
      if accumulate { dx[e] += g } else { dx[e] = g }
    }
  }

  /// Cross-entropy of logits laid out `[rows, classes, inner]` (classes
  /// last when `inner` is 1, PyTorch's `[N, C, H, W]` with `inner` = H·W)
  /// against one class id per position, `[rows, inner]` (stored as floats),
  /// with label smoothing: per position the softmax over the classes (kept in
  /// `probabilities`, laid out as the logits, for the backward pass),
  /// `log(sum(exp(x)))` and `(1 - smoothing) * -log p[target] + smoothing *
  /// mean(-log p)`. A position whose target is `ignoreIndex` adds nothing and
  /// is not counted in the mean (PyTorch's `ignore_index`); the mean of no
  /// counted position is 0.
  public static func crossEntropyForward(
    loss: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
    targets: UnsafePointer<Float>, rows: Int, classes: Int, inner: Int, smoothing: Float,
    ignoreIndex: Int?, average: Bool
  ) {
    var total: Double = 0
    for r in 0..<rows {
      for i in 0..<inner {
        let x = logits + r * classes * inner + i
        let p = probabilities + r * classes * inner + i
        var maxLogit = -Float.infinity
        for c in 0..<classes { maxLogit = max(maxLogit, x[c * inner]) }
        var sum: Float = 0
        for c in 0..<classes {
          p[c * inner] = expf(x[c * inner] - maxLogit)
          sum += p[c * inner]
        }
        let inverse = 1 / sum
        for c in 0..<classes { p[c * inner] *= inverse }
        let target = Int(targets[r * inner + i])
        if target == ignoreIndex { continue }
        let logSum = logf(sum) + maxLogit
        var positionLoss = logSum - x[target * inner]
        if smoothing > 0 {
          var meanNegLog: Float = 0
          for c in 0..<classes { meanNegLog += logSum - x[c * inner] }
          positionLoss = (1 - smoothing) * positionLoss + smoothing * meanNegLog / Float(classes)
        }
        total += Double(positionLoss)
      }
    }
    let counted = average ? countedPositions(targets, rows * inner, ignoreIndex: ignoreIndex) : 1
    loss[0] = counted == 0 ? 0 : Float(total / Double(counted))
  }

  /// `dLogits = (softmax - smoothed one-hot) * dLoss / counted positions`
  /// (without the division for a sum), from the saved softmax; 0 at an
  /// ignored position.
  public static func crossEntropyBackward(
    dLogits: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    dLoss: UnsafePointer<Float>, rows: Int, classes: Int, inner: Int, smoothing: Float, ignoreIndex: Int?,
    average: Bool, accumulate: Bool
  ) {
    let counted = average ? countedPositions(targets, rows * inner, ignoreIndex: ignoreIndex) : 1
    let scale = counted == 0 ? 0 : dLoss[0] / Float(counted)
    let uniform = smoothing / Float(classes)
    for r in 0..<rows {
      for i in 0..<inner {
        let target = Int(targets[r * inner + i])
        let ignored = target == ignoreIndex
        let (p, dx) = (probabilities + r * classes * inner + i, dLogits + r * classes * inner + i)
        for c in 0..<classes {
          let onehot: Float = (c == target ? 1 - smoothing : 0) + uniform
          let g = ignored ? 0 : (p[c * inner] - onehot) * scale
          if accumulate { dx[c * inner] += g } else { dx[c * inner] = g }
        }
      }
    }
  }

  /// The positions whose target is not `ignoreIndex`.
  private static func countedPositions(_ targets: UnsafePointer<Float>, _ positions: Int, ignoreIndex: Int?) -> Int {
    guard let ignoreIndex else { return positions }
    var counted = 0
    for e in 0..<positions where Int(targets[e]) != ignoreIndex { counted += 1 }
    return counted
  }

  /// KL divergence of the diagonal Gaussians N(mu, exp(logVariance)) from
  /// N(0, I), `rows` samples of `features` each: `-0.5 * sum(1 + lv - mu^2 -
  /// exp(lv))` over the features, the mean over the samples when `average`
  /// (the VAE paper's per-sample KL term), else the sum over everything.
  public static func klDivergenceForward(
    loss: UnsafeMutablePointer<Float>, mu: UnsafePointer<Float>, logVariance lv: UnsafePointer<Float>, rows: Int,
    features: Int, average: Bool
  ) {
    var total: Double = 0
    for e in 0..<rows * features {
      total += Double(1 + lv[e] - mu[e] * mu[e] - expf(lv[e]))
    }
    loss[0] = Float(-0.5 * total / (average ? Double(rows) : 1))
  }

  /// `dMu = mu * dLoss / rows` and `dLogVariance = 0.5 (exp(lv) - 1) * dLoss /
  /// rows` (without the division for a sum); either may be nil.
  public static func klDivergenceBackward(
    dMu: UnsafeMutablePointer<Float>?, dLogVariance: UnsafeMutablePointer<Float>?, mu: UnsafePointer<Float>,
    logVariance lv: UnsafePointer<Float>, dLoss: UnsafePointer<Float>, rows: Int, features: Int,
    average: Bool, accumulateMu: Bool, accumulateLogVariance: Bool
  ) {
    let scale = dLoss[0] / (average ? Float(rows) : 1)
    if let dMu {
      for e in 0..<rows * features {
        let g = mu[e] * scale
        if accumulateMu { dMu[e] += g } else { dMu[e] = g }
      }
    }
    if let dLogVariance {
      for e in 0..<rows * features {
        let g = 0.5 * (expf(lv[e]) - 1) * scale
        if accumulateLogVariance { dLogVariance[e] += g } else { dLogVariance[e] = g }
      }
    }
  }

  /// One weighted term of an objective: `total[0] = weight * term[0]`, or
  /// added into `total[0]` when `accumulate` is set. The forward pass sums the
  /// terms with it, the backward pass hands each term `weight * dTotal`.
  public static func addWeighted(
    total: UnsafeMutablePointer<Float>, term: UnsafePointer<Float>, weight: Float, accumulate: Bool
  ) {
    total[0] = (accumulate ? total[0] : 0) + weight * term[0]
  }
}
