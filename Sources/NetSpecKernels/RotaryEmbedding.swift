#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Rotary position embeddings (RoPE, Su et al.'s RoFormer) in the pairing of
/// Hugging Face's LLaMA (`rotate_half`): in each head of width `d`, column `i`
/// and column `i + d/2` (for `i < d/2`) form a pair rotated at step `t` by the
/// angle `t * base^(-2i/d)`:
/// `x'_i = x_i cos - x_{i+d/2} sin`, `x'_{i+d/2} = x_{i+d/2} cos + x_i sin`.
/// (Meta's original LLaMA code pairs neighbouring columns `2i, 2i+1` instead;
/// checkpoints convert between the two by permuting the query and key rows.)
///
/// Attention's `rotary: true` rotates its projected queries and keys in place
/// (``rotate(_:rows:steps:inverse:)``); the `rotary` op calls ``forward(y:x:rows:steps:)``
/// and ``backward(dx:dy:rows:steps:accumulate:)``. All three are ``rotate(y:x:rows:steps:inverse:accumulate:)``.
public struct RotaryEmbedding: Sendable, Hashable {
  /// `D`: the row width, `heads` heads side by side.
  public var width: Int
  public var heads: Int
  public var base: Double

  public init(width: Int, heads: Int, base: Double) {
    precondition(heads > 0 && width % heads == 0 && (width / heads) % 2 == 0, "rotary needs an even head width")
    self.width = width
    self.heads = heads
    self.base = base
  }

  /// Rotates `rows` rows of `[rows, D]` in place, row `r` at step `r % steps`
  /// (rows are `[N, steps, D]`); `inverse` rotates by the opposite angle, the
  /// transpose, which carries a gradient back.
  public func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, steps: Int, inverse: Bool) {
    rotate(y: x, x: x, rows: rows, steps: steps, inverse: inverse, accumulate: false)
  }

  /// `y = rotate(x)`: rows `[rows, D]`, row `r` at step `r % steps`.
  public func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, rows: Int, steps: Int) {
    rotate(y: y, x: x, rows: rows, steps: steps, inverse: false, accumulate: false)
  }

  /// `dx = rotate^T(dy)` (the rotation by the opposite angle), written or added
  /// into `dx`.
  public func backward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int, steps: Int, accumulate: Bool
  ) {
    rotate(y: dx, x: dy, rows: rows, steps: steps, inverse: true, accumulate: accumulate)
  }

  /// Writes (or, with `accumulate`, adds) the rotation of each row of `x` into
  /// `y`; `y` may be `x` (without `accumulate`): each pair is read before it is
  /// written.
  public func rotate(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, rows: Int, steps: Int, inverse: Bool,
    accumulate: Bool
  ) {
    let headWidth = width / heads
    let half = headWidth / 2
    let frequencies = (0..<half).map { pow(base, -2 * Double($0) / Double(headWidth)) }
    let sign: Float = inverse ? -1 : 1
    for step in 0..<steps {
      let angles = frequencies.map { Double(step) * $0 }
      let (cosines, sines) = (angles.map { Float(cos($0)) }, angles.map { sign * Float(sin($0)) })
      for row in stride(from: step, to: rows, by: steps) {
        for h in 0..<heads {
          let offset = row * width + h * headWidth
          let (source, target) = (x + offset, y + offset)
          for i in 0..<half {
            let (a, b) = (source[i], source[i + half])
            let (first, second) = (a * cosines[i] - b * sines[i], b * cosines[i] + a * sines[i])
            if accumulate {
              target[i] += first
              target[i + half] += second
            } else {
              target[i] = first
              target[i + half] = second
            }
          }
        }
      }
    }
  }
}
