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
    let headWidth = width / heads
    let half = headWidth / 2
    let frequencies = (0..<half).map { pow(base, -2 * Double($0) / Double(headWidth)) }
    let sign: Float = inverse ? -1 : 1
    for step in 0..<steps {
      let angles = frequencies.map { Double(step) * $0 }
      let (cosines, sines) = (angles.map { Float(cos($0)) }, angles.map { sign * Float(sin($0)) })
      for row in stride(from: step, to: rows, by: steps) {
        for h in 0..<heads {
          let head = x + row * width + h * headWidth
          for i in 0..<half {
            let (a, b) = (head[i], head[i + half])
            head[i] = a * cosines[i] - b * sines[i]
            head[i + half] = b * cosines[i] + a * sines[i]
          }
        }
      }
    }
  }
}
