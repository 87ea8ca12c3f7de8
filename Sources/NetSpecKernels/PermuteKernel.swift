/// Moves a `[batch, ...shape]` tensor's values into the axis order `perm`
/// (`perm[i]` is the input axis of output axis `i`; 0 is the batch axis).
public enum PermuteKernel {
  /// Walks the output in row-major order, one run along its last axis at a time,
  /// tracking the matching input offset with an odometer over the other output
  /// axes. Forward: `y[out] = x[in]`; with `scatter` (the backward pass, `x`
  /// then being the output gradient and `y` the input gradient):
  /// `y[in] (+)= x[out]`, added when `accumulate` is set. The batch axis is
  /// part of the walk, so any permutation is handled.
  public static func permute(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, batch: Int, shape: [Int], perm: [Int], scatter: Bool,
    accumulate: Bool
  ) {
    let rank = perm.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * rank) { scratch in
      // Per output axis: current index, size, and the input stride it moves along.
      let index = scratch.baseAddress!
      let size = index + rank
      let stride = index + 2 * rank
      for axis in 0..<rank {
        let inputAxis = perm[axis]
        index[axis] = 0
        size[axis] = inputAxis == 0 ? batch : shape[inputAxis - 1]
        stride[axis] = shape[inputAxis...].reduce(1, *)
      }
      let run = size[rank - 1]
      let step = stride[rank - 1]
      let runs = batch * shape.reduce(1, *) / run
      var inputOffset = 0
      for r in 0..<runs {
        let output = r * run
        if !scatter {
          for t in 0..<run { y[output + t] = x[inputOffset + t * step] }
        } else if accumulate {
          for t in 0..<run { y[inputOffset + t * step] += x[output + t] }
        } else {
          for t in 0..<run { y[inputOffset + t * step] = x[output + t] }
        }
        var axis = rank - 2
        while axis >= 0 {
          index[axis] += 1
          inputOffset += stride[axis]
          if index[axis] < size[axis] { break }
          inputOffset -= stride[axis] * size[axis]
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }
}
