import NetSpecKernels

/// `count` uniform values in [-1, 1) from `seed`.
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
  var random = SplitMix64(seed: seed)
  return (0..<count).map { _ in 2 * random.nextFloat() - 1 }
}

/// The largest difference between `a` and `b`, relative to the larger magnitude (at least 1).
func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
  precondition(a.count == b.count)
  let scale = max(1, a.map(abs).max() ?? 0, b.map(abs).max() ?? 0)
  return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// Runs `backward` twice on the same inputs: writing into zeros, and
/// accumulating into ones; the two results must differ by exactly the ones.
/// Returns the written result and the largest deviation of accumulated - 1.
func accumulationDeviation(count: Int, _ backward: (UnsafeMutablePointer<Float>, Bool) -> Void) -> (
  written: [Float], deviation: Float
) {
  var written = [Float](repeating: 0, count: count)
  var accumulated = [Float](repeating: 1, count: count)
  written.withUnsafeMutableBufferPointer { backward($0.baseAddress!, false) }
  accumulated.withUnsafeMutableBufferPointer { backward($0.baseAddress!, true) }
  return (written, zip(written, accumulated).map { abs($1 - $0 - 1) }.max() ?? 0)
}
