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
