/// A numeric table read from a CSV file: every data row has the same number
/// of columns, and every cell is a finite number.
public struct CSVTable: Sendable {
  /// `rows × columns` values, row-major.
  public var values: [Float]
  public var rows: Int
  public var columns: Int
  /// Column names from a header row of names, if the file has one.
  public var columnNames: [String]?
  /// Class names from a scikit-learn header (`150,4,setosa,versicolor,virginica`).
  public var classNames: [String]?
  /// The line of the header row; nil when every row is data.
  public var headerLine: Int?

  /// What the reader took the first row for, for reports: `no header row`,
  /// `header row of 5 column names (line 1)`, ….
  public var headerDescription: String {
    guard let headerLine else { return "no header row" }
    if let classNames {
      return
        "scikit-learn header (line \(headerLine)): \(rows) samples, \(columns - 1) features, \(classNames.count) class names"
    }
    return "header row of \(columns) column names (line \(headerLine))"
  }

  /// Splits off column `column` as the labels: the other columns are the
  /// features, in order.
  public func split(column: Int) -> (features: [Float], labels: [Float]) {
    var features = [Float]()
    features.reserveCapacity(rows * (columns - 1))
    var labels = [Float]()
    labels.reserveCapacity(rows)
    for row in 0..<rows {
      let start = row * columns
      features.append(contentsOf: values[start..<(start + column)])
      labels.append(values[start + column])
      features.append(contentsOf: values[(start + column + 1)..<(start + columns)])
    }
    return (features, labels)
  }
}

/// Which CSV column holds the label; the other columns are the features.
public enum LabelColumn: Sendable, Hashable {
  case last
  case first
  /// A column index counted from 0.
  case index(Int)
  /// A column named in the header row.
  case name(String)
}
