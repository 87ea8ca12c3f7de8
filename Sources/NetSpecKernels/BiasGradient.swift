/// The gradient of a bias added to every row of a matrix: the column sums of the
/// output gradient.
public enum BiasGradient {
  /// `db[j] = sum over i of dy[i * columns + j]` for a row-major `rows x columns`
  /// `dy`; adds into `db` instead of overwriting it when `accumulate` is set.
  public static func columnSums(
    _ dy: UnsafePointer<Float>, rows: Int, columns: Int, into db: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    if !accumulate { db.update(repeating: 0, count: columns) }
    for i in 0..<rows {
      let row = dy + i * columns
      for j in 0..<columns { db[j] += row[j] }
    }
  }
}
