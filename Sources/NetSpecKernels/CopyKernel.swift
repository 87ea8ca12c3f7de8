/// Copies of float runs: the forward pass of data-movement ops (flatten,
/// reshape, concat) and gradients that flow through unchanged (add, the
/// identity dropout), honouring the accumulate flag of a gradient.
public enum CopyKernel {
  /// `dst[i] = src[i]`, or `dst[i] += src[i]` when `accumulate` is set, for
  /// `i < count`. The buffers must not overlap.
  @inline(__always)
  public static func copy(
    _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false
  ) {
    if accumulate {
      for i in 0..<count { dst[i] += src[i] }
    } else {
      dst.update(from: src, count: count)
    }
  }

  /// `dst[i] = value` for `i < count`: a constant tensor, or a gradient that is zero.
  public static func fill(_ dst: UnsafeMutablePointer<Float>, value: Float, count: Int) {
    dst.update(repeating: value, count: count)
  }
}
