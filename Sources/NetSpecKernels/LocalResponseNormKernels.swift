#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Local response normalization across channels of `[batch, channels, positions]`
/// (PyTorch's `LocalResponseNorm`): `b_c = a_c / s_c^beta` with the divisor base
/// `s_c = k + alpha / size * sum a_c'^2` over the window of `size` channels
/// around `c` (`size / 2` before it, `(size - 1) / 2` after, clipped to the channels).
public enum LocalResponseNormKernels {
  /// The channels whose squares enter channel `c`'s sum.
  @inline(__always)
  static func neighbours(_ c: Int, channels: Int, size: Int) -> ClosedRange<Int> {
    max(0, c - size / 2)...min(channels - 1, c + (size - 1) / 2)
  }

  /// The channels whose sums contain channel `j`'s square (the transpose of ``neighbours(_:channels:size:)``).
  @inline(__always)
  static func dependents(_ j: Int, channels: Int, size: Int) -> ClosedRange<Int> {
    max(0, j - (size - 1) / 2)...min(channels - 1, j + size / 2)
  }

  /// Per sample (in parallel): `s` for every channel from its window of squares,
  /// kept in `divisorBase` for the backward pass, then `y = x * s^-beta`.
  public static func forward(
    y: UnsafeMutablePointer<Float>, divisorBase: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
    batch: Int, channels: Int, positions: Int, size: Int, alpha: Float, beta: Float, k: Float, pool: ComputePool
  ) {
    let coefficient = alpha / Float(size)
    let count = channels * positions
    pool.parallelRanges(batch, grain: max(1, 16_384 / (count * size))) { samples in
      for n in samples {
        let (x, s, y) = (x + n * count, divisorBase + n * count, y + n * count)
        for c in 0..<channels {
          let sums = s + c * positions
          sums.update(repeating: k, count: positions)
          for neighbour in neighbours(c, channels: channels, size: size) {
            let a = x + neighbour * positions
            for p in 0..<positions { sums[p] += coefficient * a[p] * a[p] }
          }
          let (a, b) = (x + c * positions, y + c * positions)
          for p in 0..<positions { b[p] = a[p] * powf(sums[p], -beta) }
        }
      }
    }
  }

  /// `dx_j = dy_j * s_j^-beta - 2 alpha beta / size * x_j * sum over the channels
  /// c whose window holds j of dy_c * x_c * s_c^(-beta - 1)`, per sample in
  /// parallel; added into `dx` when `accumulate` is set. `workspace` holds
  /// `2 * batch * channels * positions` floats.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    divisorBase: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
    positions: Int, size: Int, alpha: Float, beta: Float, accumulate: Bool, pool: ComputePool
  ) {
    let coefficient = 2 * alpha * beta / Float(size)
    let count = channels * positions
    pool.parallelRanges(batch, grain: max(1, 16_384 / (count * size))) { samples in
      for n in samples {
        let (x, s, dy, dx) = (x + n * count, divisorBase + n * count, dy + n * count, dx + n * count)
        let power = workspace + 2 * n * count
        let t = power + count
        for i in 0..<count {
          power[i] = powf(s[i], -beta)
          t[i] = dy[i] * x[i] * power[i] / s[i]
        }
        for j in 0..<channels {
          let row = j * positions
          if !accumulate { (dx + row).update(repeating: 0, count: positions) }
          for p in 0..<positions { dx[row + p] += dy[row + p] * power[row + p] }
          for c in dependents(j, channels: channels, size: size) {
            for p in 0..<positions { dx[row + p] -= coefficient * x[row + p] * t[c * positions + p] }
          }
        }
      }
    }
  }
}
