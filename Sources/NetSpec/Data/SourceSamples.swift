import NetSpecDiagnostics

/// A source's samples as read. A source feeding one input fills `dataset`
/// alone; a source feeding several (`inputs: {NAME: PATH}`, `columns:`)
/// also lists each input's samples in `parts`, which
/// ``SourcePreparation`` lays side by side in the model's input order.
struct SourceSamples {
  /// The samples: with `parts`, only the labels (and the sample count) are set.
  var dataset: Dataset
  /// One entry per named input, in the source's order; empty for one input.
  var parts: [InputPart] = []
}

/// The samples of one model input, read from its file or CSV column group.
struct InputPart {
  /// The model input they feed.
  var name: String
  /// `count × stride` values, sample-major.
  var values: [Float]
  /// The number of samples.
  var count: Int
  /// The shape of one sample as read.
  var shape: [Int]
  /// Where problems with these samples are reported: the file's path or the
  /// column list.
  var span: SourceSpan
  /// How messages name them: "`data/ids.npy`", "the columns of `left` in `data/pairs.csv`".
  var origin: String

  var stride: Int { shape.reduce(1, *) }
}

extension SourceReader {
  /// One file per input (`csv` or `npy`) and a labels file, with the same
  /// number of rows each.
  static func readFiles(
    _ kind: DataSource.FileKind, inputs: [InputFile], labels: DataPath, header: CSVHeader,
    csvHeaders: inout [String], _ diagnostics: inout DiagnosticBag
  ) -> SourceSamples? {
    func array(_ path: DataPath) -> (values: [Float], shape: [Int])? {
      switch kind {
      case .npy:
        return load(path, { (stream) throws(DataFileError) in try NPYReader.read(&stream) }, &diagnostics)
          .map { ($0.values, $0.shape) }
      case .csv:
        guard
          let table = load(
            path, { (stream) throws(DataFileError) in try CSVReader.parse(&stream, header: header) }, &diagnostics)
        else { return nil }
        csvHeaders.append(note(path, table, header))
        return (table.values, [table.rows] + (table.columns == 1 && path == labels ? [] : [table.columns]))
      }
    }
    var parts: [InputPart] = []
    for file in inputs {
      guard let read = array(file.path) else { continue }
      parts.append(
        InputPart(
          name: file.name, values: read.values, count: read.shape[0], shape: Array(read.shape.dropFirst()),
          span: file.path.span, origin: "`\(file.path.path)`"))
    }
    guard let labelArray = array(labels), parts.count == inputs.count else { return nil }
    let count = labelArray.shape[0]
    guard sameCount(parts, labels: count, at: labels.span, origin: "`\(labels.path)`", &diagnostics) else {
      return nil
    }
    return SourceSamples(
      dataset: Dataset(
        count: count, inputs: [], inputShape: [0], labels: labelArray.values,
        labelShape: Array(labelArray.shape.dropFirst())),
      parts: parts)
  }

  /// One CSV file: each group's columns feed its input, `label` is the target.
  static func readColumns(
    _ path: DataPath, groups: [ColumnGroup], label: LabelColumn, labelSpan: SourceSpan, header: CSVHeader,
    csvHeaders: inout [String], _ diagnostics: inout DiagnosticBag
  ) -> SourceSamples? {
    guard
      let table = load(
        path, { (stream) throws(DataFileError) in try CSVReader.parse(&stream, header: header) }, &diagnostics)
    else { return nil }
    csvHeaders.append(note(path, table, header))
    func index(_ column: LabelColumn, at span: SourceSpan) -> Int? {
      let found: Int?
      switch column {
      case .last: found = table.columns - 1
      case .first: found = 0
      case .index(let index): found = index < table.columns ? index : nil
      case .name(let name): found = table.columnNames?.firstIndex(of: name)
      }
      if found == nil {
        let what: String
        switch column {
        case .index(let index):
          what = "column \(index), but the rows have \(table.columns) columns (0…\(table.columns - 1))"
        case .name(let name):
          what =
            "the column `\(name)`, which is not in \(table.columnNames == nil ? "the file (it has no header row)" : "the header")"
        default: what = "no column"
        }
        diagnostics.append(
          Diagnostic(.badData, at: span, "`\(path.path)`: this names \(what)")
            .help(
              table.columnNames.map { "the columns are \(Suggestions.list($0))" }
                ?? "columns count from 0"))
      }
      return found
    }
    guard let labelColumn = index(label, at: labelSpan) else { return nil }
    var parts: [InputPart] = []
    for group in groups {
      let columns = group.columns.map { index($0, at: group.span) }
      guard columns.allSatisfy({ $0 != nil }) else { continue }
      if columns.contains(labelColumn) {
        diagnostics.append(
          Diagnostic(.badData, at: group.span, "the columns of `\(group.name)` include the label column \(labelColumn)")
            .label(labelSpan, "the label column")
            .help("list only feature columns under `columns`"))
        continue
      }
      var values = [Float]()
      values.reserveCapacity(table.rows * columns.count)
      for row in 0..<table.rows {
        for column in columns { values.append(table.values[row * table.columns + column!]) }
      }
      parts.append(
        InputPart(
          name: group.name, values: values, count: table.rows, shape: [columns.count], span: group.span,
          origin: "the columns of `\(group.name)` in `\(path.path)`"))
    }
    guard parts.count == groups.count else { return nil }
    let labels = (0..<table.rows).map { table.values[$0 * table.columns + labelColumn] }
    return SourceSamples(
      dataset: Dataset(
        count: table.rows, inputs: [], inputShape: [0], labels: labels, labelShape: [],
        classNames: table.classNames),
      parts: parts)
  }

  /// Reports the first input whose sample count differs from the labels'.
  private static func sameCount(
    _ parts: [InputPart], labels: Int, at span: SourceSpan, origin: String, _ diagnostics: inout DiagnosticBag
  ) -> Bool {
    guard let part = parts.first(where: { $0.count != labels }) else { return true }
    diagnostics.append(
      Diagnostic(
        .badData, at: part.span,
        "\(part.origin) holds \(part.count) samples of `\(part.name)`, but \(origin) holds \(labels) labels"
      )
      .label(span, "\(labels) labels here")
      .help("give every input and the labels one row per sample, in the same order"))
    return false
  }
}
