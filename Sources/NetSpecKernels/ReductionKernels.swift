/// The maximum over reduced axes (the `max` op) and its gradient, which goes
/// to the first maximal element in row-major order, as PyTorch's
/// `max(dim=...)` routes it. Sums and means are ``BroadcastKernels/sum``.
public enum ReductionKernels {
  /// `y[j]` = the largest element of `x` among those that broadcast to `j`
  /// (`x` spans the geometry's space as `a`, `y` has `b`'s shape), a NaN if
  /// there is one; `argmax[j]` records that element's index in `x` (as the
  /// bit pattern of a `UInt32`) for ``maxBackward``.
  public static func maxForward(
    y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, batch: Int,
    geometry g: BroadcastGeometry
  ) {
    let unset = Float(bitPattern: UInt32.max)
    argmax.update(repeating: unset, count: batch * g.bCount)
    let inner = g.dims.last!
    let (sa, sb) = (g.aStrides.last!, g.bStrides.last!)
    g.forEachRun(samples: 0..<batch) { _, ia, ib in
      for e in 0..<inner {
        let (i, j) = (ia + e * sa, ib + e * sb)
        let value = x[i]
        if argmax[j].bitPattern == UInt32.max || value > y[j] || (value.isNaN && !y[j].isNaN) {
          y[j] = value
          argmax[j] = Float(bitPattern: UInt32(i))
        }
      }
    }
  }

  /// `dx[argmax[j]] += dy[j]`, every other element of `dx` 0 (or left as it
  /// is when `accumulate` is set); `dx` has `count` elements.
  public static func maxBackward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, argmax: UnsafePointer<Float>, count: Int,
    reducedCount: Int, accumulate: Bool
  ) {
    if !accumulate { dx.update(repeating: 0, count: count) }
    for j in 0..<reducedCount { dx[Int(argmax[j].bitPattern)] += dy[j] }
  }
}
