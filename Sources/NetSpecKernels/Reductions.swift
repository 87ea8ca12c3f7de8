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

  /// ``sum(_:count:)`` of `y` and ``centeredDot(_:from:_:count:)`` of `x` and `y`
  /// in one pass over both arrays (batch normalization's backward pass), each
  /// equal to the bit to its own function's result.
  public static func sumAndCenteredDot(
    _ x: UnsafePointer<Float>, from center: Float, _ y: UnsafePointer<Float>, count: Int
  ) -> (sum: Float, centeredDot: Float) {
    let lanes = KernelVector.scalarCount
    let centers = KernelVector(repeating: center)
    var sums = (KernelVector(), KernelVector())
    var dots = (KernelVector(), KernelVector())
    var i = 0
    while i + 2 * lanes <= count {
      let (y0, y1) = (loadVector(y + i), loadVector(y + i + lanes))
      sums.0 += y0
      sums.1 += y1
      dots.0 = multiplyAdd(dots.0, loadVector(x + i) - centers, y0)
      dots.1 = multiplyAdd(dots.1, loadVector(x + i + lanes) - centers, y1)
      i += 2 * lanes
    }
    var (sum, dot) = ((sums.0 + sums.1).sum(), (dots.0 + dots.1).sum())
    while i < count {
      sum += y[i]
      dot += (x[i] - center) * y[i]
      i += 1
    }
    return (sum, dot)
  }
}
