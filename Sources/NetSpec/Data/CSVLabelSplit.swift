import NetSpecDiagnostics

extension CSVTable {
  /// Splits off the label column: the other columns are the features, in order.
  /// Errors name the column choice; the caller reports them at `label:`.
  func splitLabel(_ choice: LabelColumn) throws(DataFileError) -> (features: [Float], labels: [Float]) {
    guard columns >= 2 else {
      throw DataFileError(
        "the rows have \(columns) column; a sample needs at least one feature column and a label column",
        help:
          "check the separator (commas or spaces), or give the labels in a separate file with `csv: {inputs: PATH, labels: PATH}`"
      )
    }
    let column: Int
    switch choice {
    case .last: column = columns - 1
    case .first: column = 0
    case .index(let index):
      guard index < columns else {
        throw DataFileError(
          "`label` is column \(index), but the rows have \(columns) columns (0…\(columns - 1))",
          help: "columns count from 0; write `last` for the last column")
      }
      column = index
    case .name(let name):
      guard let columnNames else {
        throw DataFileError(
          "`label` names the column `\(name)`, but the file has no header row of column names",
          help: "write `last`, `first` or a column index from 0")
      }
      guard let index = columnNames.firstIndex(of: name) else {
        let suggestion = Suggestions.didYouMean(name, in: columnNames).map { "\($0); " } ?? ""
        throw DataFileError(
          "`label` names the column `\(name)`, which is not in the header",
          help: "\(suggestion)the columns are \(Suggestions.list(columnNames))")
      }
      column = index
    }
    return split(column: column)
  }
}
