/// Whether the first row of a CSV file is a header: the `header:` option of a
/// CSV source (`true`, `false` or `auto`).
public enum CSVHeader: String, Sendable, CaseIterable {
  /// The first row is a header: one name per column, or the scikit-learn
  /// form `rows,features,class names...`.
  case present = "true"
  /// Every row is data.
  case absent = "false"
  /// Decided from the first row: a header when every cell is an
  /// identifier-like word (`sepal_length`, `label`; see ``isWord(_:)``), or when it has the
  /// scikit-learn form (two whole numbers, then such words); data when every
  /// cell reads as a number (`nan`, `inf` and `1e999` included, which the
  /// data rows then reject); otherwise an error asking for `header:`.
  case auto

  /// What ``auto`` decides for the first row's `cells`: true for a header,
  /// false for data, nil when the row mixes words and numbers.
  static func isHeader(_ cells: [String]) -> Bool? {
    if cells.allSatisfy(isWord) { return true }
    if cells.count >= 3, cells[..<2].allSatisfy(isCount), cells[2...].allSatisfy(isWord) { return true }
    if cells.allSatisfy({ Float($0) != nil }) { return false }
    return nil
  }

  /// A name such as `petal_width`, `class-2` or `petal width`: a letter or
  /// `_`, then letters, digits, `_`, `-`, `.` or spaces; never a word that
  /// reads as a number (`nan`, `inf`, `infinity`).
  static func isWord(_ text: String) -> Bool {
    guard let first = text.first, first.isLetter || first == "_", Float(text) == nil else { return false }
    return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." || $0 == " " }
  }

  /// A whole number written with digits only, as the scikit-learn form's counts.
  private static func isCount(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
  }
}
