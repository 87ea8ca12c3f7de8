/// Stochastic depth's per-sample dropout ("drop path", torchvision's
/// `stochastic_depth` in mode "row"): while training, each sample of a
/// residual branch is zeroed whole with probability `rate` and kept samples
/// are scaled by 1 / (1 - rate).
public enum DropPathKernels {
  /// `mask[n]` is 0 (sample `n` dropped, with probability `rate`) or
  /// `1 / (1 - rate)` (kept; 0 when `rate` is 1, as PyTorch), drawn from
  /// `SplitMix64(seed:)` one draw per sample in order; `y = x * mask[n]`
  /// over each sample's `size` elements.
  public static func forward(
    y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, batch: Int,
    size: Int, rate: Float, seed: UInt64
  ) {
    let keep = 1 - rate
    let keepScale: Float = keep > 0 ? 1 / keep : 0
    var random = SplitMix64(seed: seed)
    for n in 0..<batch {
      let scale: Float = random.nextFloat() < rate ? 0 : keepScale
      mask[n] = scale
      for e in (n * size)..<((n + 1) * size) { y[e] = x[e] * scale }
    }
  }

  /// `dx = dy * mask[n]` over each sample's `size` elements, added into `dx`
  /// when `accumulate` is set.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, mask: UnsafePointer<Float>, batch: Int, size: Int,
    accumulate: Bool
  ) {
    for n in 0..<batch {
      let scale = mask[n]
      if accumulate {
        for e in (n * size)..<((n + 1) * size) { dx[e] += dy[e] * scale }
      } else {
        for e in (n * size)..<((n + 1) * size) { dx[e] = dy[e] * scale }
      }
    }
  }
}
