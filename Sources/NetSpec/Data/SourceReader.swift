import NetSpecDiagnostics

/// Reads one data source into a ``Dataset`` as stored: inputs with the shape
/// the file gives them (before `reshape` and `scale`), labels as read.
enum SourceReader {
  /// The samples of `source`; nil after reporting at the path (or the
  /// `label:` option) where it went wrong. Synthetic tasks draw from `random`.
  /// Appends what was decided about each CSV file's first row to `csvHeaders`.
  static func read(
    _ source: DataSource, random: inout RandomGenerator, csvHeaders: inout [String],
    _ diagnostics: inout DiagnosticBag
  ) -> SourceSamples? {
    switch source.format {
    case .perInput(let kind, let inputs, let labels):
      return readFiles(
        kind, inputs: inputs, labels: labels, header: source.header, csvHeaders: &csvHeaders, &diagnostics)
    case .csvColumns(let path, let groups, let label, let labelSpan):
      return readColumns(
        path, groups: groups, label: label, labelSpan: labelSpan, header: source.header, csvHeaders: &csvHeaders,
        &diagnostics)
    case .synthetic(let spec) where spec.inputs != nil:
      return SyntheticTasks.withShiftedLabels(spec, random: &random)
    default:
      return readOne(source, random: &random, csvHeaders: &csvHeaders, &diagnostics).map { SourceSamples(dataset: $0) }
    }
  }

  /// The samples of a source feeding one input.
  private static func readOne(
    _ source: DataSource, random: inout RandomGenerator, csvHeaders: inout [String],
    _ diagnostics: inout DiagnosticBag
  ) -> Dataset? {
    switch source.format {
    case .csv(let path, let label, let labelSpan):
      guard
        let table = load(
          path, { (stream) throws(DataFileError) in try CSVReader.parse(&stream, header: source.header) }, &diagnostics)
      else { return nil }
      csvHeaders.append(note(path, table, source.header))
      do {
        let (features, labels) = try table.splitLabel(label)
        return Dataset(
          count: table.rows, inputs: features, inputShape: [table.columns - 1], labels: labels, labelShape: [],
          classNames: table.classNames)
      } catch {
        diagnostics.append(
          Diagnostic(.badData, at: labelSpan, "`\(path.path)`: \(error.message)").help(error.help))
        return nil
      }
    case .csvFiles(let inputsPath, let labelsPath):
      let parse = { (stream: inout any ByteStream) throws(DataFileError) in
        try CSVReader.parse(&stream, header: source.header)
      }
      let inputs = load(inputsPath, parse, &diagnostics)
      let labels = load(labelsPath, parse, &diagnostics)
      guard let inputs, let labels else { return nil }
      csvHeaders += [note(inputsPath, inputs, source.header), note(labelsPath, labels, source.header)]
      return pair(
        (inputs.values, [inputs.rows, inputs.columns], inputsPath),
        (labels.values, [labels.rows] + (labels.columns == 1 ? [] : [labels.columns]), labelsPath),
        classNames: labels.classNames, &diagnostics)
    case .npy(let inputsPath, let labelsPath):
      return arrays(
        inputsPath, labelsPath, { (stream) throws(DataFileError) in try NPYReader.read(&stream) }, &diagnostics)
    case .idx(let imagesPath, let labelsPath):
      return arrays(
        imagesPath, labelsPath, { (stream) throws(DataFileError) in try IDXReader.read(&stream) }, &diagnostics)
    case .synthetic(let spec):
      return SyntheticTasks.generate(spec, random: &random)
    case .perInput, .csvColumns:
      preconditionFailure("sources feeding several inputs are read by `read`")
    }
  }

  /// "`data/iris.csv`: no header row (header: auto)", for the data banner.
  static func note(_ path: DataPath, _ table: CSVTable, _ choice: CSVHeader) -> String {
    "`\(path.path)`: \(table.headerDescription) (header: \(choice.rawValue))"
  }

  /// Reads and parses one file as a stream, reporting at its path.
  static func load<Parsed>(
    _ path: DataPath, _ parse: (inout any ByteStream) throws(DataFileError) -> Parsed,
    _ diagnostics: inout DiagnosticBag
  ) -> Parsed? {
    do {
      var stream = try DataFileBytes.open(path.resolvedPath)
      return try parse(&stream)
    } catch {
      diagnostics.append(error.diagnostic(path))
      return nil
    }
  }

  private static func arrays(
    _ inputsPath: DataPath, _ labelsPath: DataPath,
    _ parse: (inout any ByteStream) throws(DataFileError) -> NumericArray,
    _ diagnostics: inout DiagnosticBag
  ) -> Dataset? {
    let inputs = load(inputsPath, parse, &diagnostics)
    let labels = load(labelsPath, parse, &diagnostics)
    guard let inputs, let labels else { return nil }
    return pair((inputs.values, inputs.shape, inputsPath), (labels.values, labels.shape, labelsPath), &diagnostics)
  }

  /// Samples from an inputs array and a labels array of the same length (the
  /// first axis of each shape).
  private static func pair(
    _ inputs: (values: [Float], shape: [Int], path: DataPath),
    _ labels: (values: [Float], shape: [Int], path: DataPath),
    classNames: [String]? = nil, _ diagnostics: inout DiagnosticBag
  ) -> Dataset? {
    guard inputs.shape[0] == labels.shape[0] else {
      diagnostics.append(
        Diagnostic(
          .badData, at: labels.path.span,
          "`\(labels.path.path)` holds \(labels.shape[0]) labels, but `\(inputs.path.path)` holds \(inputs.shape[0]) samples"
        )
        .label(inputs.path.span, "\(inputs.shape[0]) samples here")
        .help("give exactly one label per sample, in the same order"))
      return nil
    }
    return Dataset(
      count: inputs.shape[0], inputs: inputs.values, inputShape: Array(inputs.shape.dropFirst()),
      labels: labels.values, labelShape: Array(labels.shape.dropFirst()), classNames: classNames)
  }
}
