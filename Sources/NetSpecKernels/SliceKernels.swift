/// A strided run of one axis of a tensor seen as `[outer, length, inner]`: the
/// `slice` and `select` ops (PyTorch's `x[..., start:end:step, ...]` and
/// `x[..., index, ...]`). Output position `j` along the axis is input position
/// `start + j * step`, for `j < count`.
public enum SliceKernels {
  /// `y[o, j, i] = x[o, start + j * step, i]`; `y` is `[outer, count, inner]`.
  public static func forward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, outer: Int, length: Int, inner: Int, start: Int,
    step: Int, count: Int
  ) {
    for o in 0..<outer {
      for j in 0..<count {
        CopyKernel.copy(
          x + (o * length + start + j * step) * inner, y + (o * count + j) * inner, count: inner)
      }
    }
  }

  /// `dx[o, start + j * step, i] = dy[o, j, i]` and 0 at the positions the
  /// slice skips; with `accumulate`, `dy` is added and the rest left as is.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, outer: Int, length: Int, inner: Int, start: Int,
    step: Int, count: Int, accumulate: Bool
  ) {
    if !accumulate { dx.update(repeating: 0, count: outer * length * inner) }
    for o in 0..<outer {
      for j in 0..<count {
        CopyKernel.copy(
          dy + (o * count + j) * inner, dx + (o * length + start + j * step) * inner, count: inner,
          accumulate: true)
      }
    }
  }
}
