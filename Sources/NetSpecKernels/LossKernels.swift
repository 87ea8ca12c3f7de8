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
