/// Initial values that need more than one draw per value: uniform in a range
/// and orthogonal matrices. The interpreter and emitted code call the same
/// functions with the same seed, so they start from the same weights.
extension SplitMix64 {
  /// Fills `count` floats with uniform values in [low, high).
  public static func fillUniform(
    _ destination: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float, seed: UInt64
  ) {
    var random = SplitMix64(seed: seed)
    for i in 0..<count { destination[i] = low + (high - low) * random.nextFloat() }
  }

  /// Fills `count` floats with `count / (rows * columns)` consecutive row-major
  /// `rows`x`columns` blocks, each `gain` times a (semi-)orthogonal matrix, as
  /// PyTorch's `orthogonal_`: the Q factor of a standard normal matrix (of its
  /// transpose when it is wide), signed so that R's diagonal is positive.
  /// Rows are orthonormal when `rows <= columns` (W Wᵀ = gain² I), columns
  /// otherwise (Wᵀ W = gain² I).
  public static func fillOrthogonal(
    _ destination: UnsafeMutablePointer<Float>, count: Int, rows: Int, columns: Int, gain: Float, seed: UInt64
  ) {
    precondition(rows >= 1 && columns >= 1 && count % (rows * columns) == 0, "orthogonal blocks must tile the tensor")
    var random = SplitMix64(seed: seed)
    let (tall, narrow) = (max(rows, columns), min(rows, columns))
    var q = [Double](repeating: 0, count: tall * narrow)
    for block in 0..<(count / (rows * columns)) {
      let out = destination + block * rows * columns
      // Column j of the tall matrix is q[j*tall ..< (j+1)*tall]: a column of
      // the drawn matrix when it is tall, a row when it is wide.
      for r in 0..<rows {
        for c in 0..<columns {
          let value = Double(random.nextGaussian())
          if rows >= columns { q[c * tall + r] = value } else { q[r * tall + c] = value }
        }
      }
      orthonormalizeColumns(&q, length: tall, count: narrow)
      for r in 0..<rows {
        for c in 0..<columns {
          let value = rows >= columns ? q[c * tall + r] : q[r * tall + c]
          out[r * columns + c] = Float(value) * gain
        }
      }
    }
  }

  /// Modified Gram-Schmidt, twice for accuracy, over `count` columns of
  /// `length` stored one after another: the Q of a QR decomposition whose R
  /// has a positive diagonal. A column that vanishes stays zero.
  private static func orthonormalizeColumns(_ q: inout [Double], length: Int, count: Int) {
    for j in 0..<count {
      for _ in 0..<2 {
        for k in 0..<j {
          var dot = 0.0
          for i in 0..<length { dot += q[k * length + i] * q[j * length + i] }
          for i in 0..<length { q[j * length + i] -= dot * q[k * length + i] }
        }
      }
      var norm = 0.0
      for i in 0..<length { norm += q[j * length + i] * q[j * length + i] }
      norm = norm.squareRoot()
      let scale = norm > 0 ? 1 / norm : 0
      for i in 0..<length { q[j * length + i] *= scale }
    }
  }
}
