#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Softmax along one axis of a tensor seen as `[outer, length, inner]`: the
/// axis is the middle one, so each softmax vector has `length` elements
/// `inner` apart.
public enum SoftmaxKernels {
  /// `y = exp(x - max(x)) / sum(exp(x - max(x)))` along every vector; `y` may be `x`.
  public static func forward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, outer: Int, length: Int, inner: Int
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * length * inner + i
        let (x, y) = (x + base, y + base)
        var maximum = -Float.infinity
        for j in 0..<length { maximum = max(maximum, x[j * inner]) }
        var sum: Float = 0
        for j in 0..<length {
          let e = expf(x[j * inner] - maximum)
          y[j * inner] = e
          sum += e
        }
        let inverse = 1 / sum
        for j in 0..<length { y[j * inner] *= inverse }
      }
    }
  }

  /// `dx = y * (dy - sum(dy * y))` along every vector, from the output `y`;
  /// added into `dx` when `accumulate` is set.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, outer: Int, length: Int,
    inner: Int, accumulate: Bool
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * length * inner + i
        let (y, dy, dx) = (y + base, dy + base, dx + base)
        var dot: Float = 0
        for j in 0..<length { dot += dy[j * inner] * y[j * inner] }
        for j in 0..<length {
          let g = y[j * inner] * (dy[j * inner] - dot)
          if accumulate { dx[j * inner] += g } else { dx[j * inner] = g }
        }
      }
    }
  }
}
