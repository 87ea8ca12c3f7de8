import NetSpecDiagnostics

/// Reads one data source into a ``Dataset`` as stored: inputs with the shape
/// the file gives them (before `reshape` and `scale`), labels as read.
enum SourceReader {
  /// The samples of `source`; nil after reporting at the path (or the
  /// `label:` option) where it went wrong. Synthetic tasks draw from `random`.
  static func read(
    _ source: DataSource, random: inout RandomGenerator, _ diagnostics: inout DiagnosticBag
  ) -> Dataset? {
    switch source.format {
    case .csv(let path, let label, let labelSpan):
      guard let table = load(path, CSVReader.parse, &diagnostics) else { return nil }
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
      let inputs = load(inputsPath, CSVReader.parse, &diagnostics)
      let labels = load(labelsPath, CSVReader.parse, &diagnostics)
      guard let inputs, let labels else { return nil }
      return pair(
        (inputs.values, [inputs.rows, inputs.columns], inputsPath),
        (labels.values, [labels.rows] + (labels.columns == 1 ? [] : [labels.columns]), labelsPath),
        classNames: labels.classNames, &diagnostics)
    case .npy(let inputsPath, let labelsPath):
      return arrays(inputsPath, labelsPath, NPYReader.read, &diagnostics)
    case .idx(let imagesPath, let labelsPath):
      return arrays(imagesPath, labelsPath, IDXReader.read, &diagnostics)
    case .synthetic(let spec):
      return SyntheticTasks.generate(spec, random: &random)
    }
  }

  /// Reads and parses one file, reporting at its path.
  private static func load<Parsed>(
    _ path: DataPath, _ parse: ([UInt8]) throws(DataFileError) -> Parsed, _ diagnostics: inout DiagnosticBag
  ) -> Parsed? {
    do {
      return try parse(try DataFileBytes.read(path.resolvedPath))
    } catch {
      diagnostics.append(error.diagnostic(path))
      return nil
    }
  }

  private static func arrays(
    _ inputsPath: DataPath, _ labelsPath: DataPath, _ parse: ([UInt8]) throws(DataFileError) -> NumericArray,
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
