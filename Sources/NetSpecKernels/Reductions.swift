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
