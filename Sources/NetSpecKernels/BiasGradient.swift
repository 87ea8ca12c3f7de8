/// The gradient of a bias added to every row of a matrix: the column sums of the
/// output gradient.
public enum BiasGradient {
  /// `db[j] = sum over i of dy[i * columns + j]` for a row-major `rows x columns`
  /// `dy`; adds into `db` instead of overwriting it when `accumulate` is set.
  ///
  /// Large gradients are split over `pool` by columns; each column is summed over
  /// the rows in order, so the result does not depend on the thread count.
  public static func columnSums(
    _ dy: UnsafePointer<Float>, rows: Int, columns: Int, into db: UnsafeMutablePointer<Float>, accumulate: Bool,
    pool: ComputePool
  ) {
    let grain = max(KernelVector.scalarCount, ComputePool.elementGrain / max(1, rows))
    pool.calibratedRanges(columns, grain: grain) { range in
      let (sums, width) = (db + range.lowerBound, range.count)
      if !accumulate { sums.update(repeating: 0, count: width) }
      for i in 0..<rows {
        let row = dy + i * columns + range.lowerBound
        for j in 0..<width { sums[j] += row[j] }
      }
    }
  }
}
