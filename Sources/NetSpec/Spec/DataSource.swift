import NetSpecDiagnostics
import NetSpecYAML

/// One data source, `data.train` or `data.test`: exactly one format key (`csv`,
/// `npy`, `idx` or `synthetic`) plus options saying how to turn its records into
/// the model's input and the loss's target (named `label`).
///
/// ```yaml
/// train: {csv: data/iris.csv, label: species, standardize: true}
/// train: {csv: {inputs: data/diabetes_data_raw.csv.gz, labels: data/diabetes_target.csv.gz}}
/// train: {idx: {images: data/train-images-idx3-ubyte.gz, labels: data/train-labels-idx1-ubyte.gz}, scale: 1/255}
/// train: {synthetic: {task: reverse, samples: 2000, length: 12, vocab: 16}}
/// train: {npy: {inputs: {tokens: data/ids.npy, segments: data/segments.npy}, labels: data/y.npy}}
/// train: {csv: data/pairs.csv, columns: {left: [0, 1], right: [2, 3]}, label: last}
/// ```
public struct DataSource: Sendable {
  /// The kind of the files of a source with one file per model input.
  public enum FileKind: String, Sendable {
    case csv, npy
  }

  /// Where the samples come from.
  public enum Format: Sendable {
    /// A CSV file, gzip-compressed when its name ends in `.gz`: one sample per
    /// row, numeric columns, an optional header row; one column is the label.
    case csv(DataPath, label: LabelColumn, labelSpan: SourceSpan)
    /// Two CSV files, `csv: {inputs: PATH, labels: PATH}`: the features, and
    /// the labels (every column of the labels file) row for row.
    case csvFiles(inputs: DataPath, labels: DataPath)
    /// NumPy `.npy` arrays with samples along the first axis.
    case npy(inputs: DataPath, labels: DataPath)
    /// IDX files (the MNIST format), gzip-compressed when named `.gz`.
    case idx(images: DataPath, labels: DataPath)
    /// One file per model input, `{inputs: {NAME: PATH, ...}, labels: PATH}`:
    /// the samples of each input, and the labels, row for row.
    case perInput(FileKind, inputs: [InputFile], labels: DataPath)
    /// One CSV file whose column groups feed the model's inputs,
    /// `{csv: PATH, columns: {NAME: [COLUMN, ...], ...}, label: COLUMN}`.
    case csvColumns(DataPath, groups: [ColumnGroup], label: LabelColumn, labelSpan: SourceSpan)
    /// Generated sequence tasks.
    case synthetic(SyntheticData)
  }

  /// The model inputs the source names, in its order, when it feeds several
  /// (`inputs: {NAME: PATH}`, `columns: {NAME: [...]}`, a synthetic task's
  /// `inputs: {sequence: NAME, shifted_labels: NAME}`); nil when it feeds one.
  public var namedInputs: [(name: String, span: SourceSpan)]? { Self.namedInputs(of: format) }

  private static func namedInputs(of format: Format) -> [(name: String, span: SourceSpan)]? {
    switch format {
    case .perInput(_, let inputs, _): inputs.map { ($0.name, $0.nameSpan) }
    case .csvColumns(_, let groups, _, _): groups.map { ($0.name, $0.nameSpan) }
    case .synthetic(let spec):
      spec.inputs.map { [($0.sequence, $0.sequenceSpan), ($0.shiftedLabels, $0.shiftedLabelsSpan)] }
    default: nil
    }
  }

  public var format: Format
  /// Multiply every input value by this (e.g. `1/255` for bytes); nil: no scaling.
  public var scale: Double?
  /// Z-score each input feature with the mean and standard deviation of the
  /// training split (after `scale`); false unless given.
  public var standardize: Bool
  /// The per-input `scale` and `standardize` of a source feeding several
  /// inputs, in the model's input order; empty otherwise.
  public var inputTransforms: [InputTransform] = []
  /// Whether any input feature is standardized: `standardize: true`, or
  /// an input listed in a per-input `standardize`.
  public var standardizesAny: Bool { standardize || inputTransforms.contains(where: \.standardize) }
  /// The shape of one sample after reading (without the batch axis); nil: as read.
  public var reshape: SampleShape?
  /// The element type of the `label` target; nil: the loss decides.
  public var labelDType: DType?
  /// The model input the samples feed; nil: the model's only input.
  public var input: Reference?
  /// true: class indices become one-hot float32 rows; false: they stay indices;
  /// nil: the loss decides.
  public var oneHot: Bool?
  /// Whether the first row of a CSV file is a header (`header: true | false |
  /// auto`, default `auto`).
  public var header: CSVHeader
  /// The source's value.
  public var span: SourceSpan

  static let formats = ["csv", "npy", "idx", "synthetic"]
  static let options = [
    "label", "scale", "standardize", "reshape", "label_dtype", "input", "one_hot", "header", "columns",
  ]

  /// Decodes a source; `section` is its path for messages (`data.train`).
  static func decode(
    _ node: YAMLNode, section: String, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> DataSource? {
    guard
      let reader = MappingReader(
        node, section: section, keys: formats + options, resolver: resolver, &diagnostics)
    else { return nil }
    let formatEntries = reader.entries.filter { formats.contains($0.key.value) }
    var format: Format?
    if formatEntries.isEmpty {
      if !reader.hasMisspelling(of: formats, allowed: formats + options) {
        diagnostics.append(
          Diagnostic(.missingKey, at: reader.span, "`\(section)` names no data source")
            .help("add one of \(Suggestions.list(formats)), e.g. `csv: data/train.csv`"))
      }
    } else if formatEntries.count > 1 {
      diagnostics.append(
        Diagnostic(
          .badData, at: formatEntries[1].key.span,
          "`\(section)` names two sources, `\(formatEntries[0].key.value)` and `\(formatEntries[1].key.value)`"
        )
        .label(formatEntries[0].key.span, "the first source")
        .help("keep one source here; a separate test set goes under `data.test`"))
    } else {
      format = decodeFormat(formatEntries[0], section: section, reader: reader, &diagnostics)
    }

    let labelDType = reader.choice("label_dtype", [DType.int32.rawValue, DType.float32.rawValue], &diagnostics)
      .flatMap(DType.init(rawValue:))
    let oneHot = reader.bool("one_hot", &diagnostics)
    if oneHot == true, labelDType == .int32, let value = reader.node("one_hot") {
      diagnostics.append(
        Diagnostic(.badData, at: value.span, "one-hot labels are float32, but `label_dtype` is int32")
          .label(reader.node("label_dtype")?.span, "int32 here")
          .help("remove `label_dtype: int32` to train on one-hot rows, or `one_hot` to keep class indices"))
    }
    let several = format.flatMap { Self.namedInputs(of: $0) }
    var scale: Double?
    var standardize: Bool?
    var transforms: [InputTransform] = []
    if let several {
      transforms = InputTransform.decode(
        scale: reader.node("scale"), standardize: reader.node("standardize"), inputs: several, section: section,
        resolver: resolver, &diagnostics)
    } else {
      scale = reader.number("scale", .positive, &diagnostics)
      standardize = reader.bool("standardize", &diagnostics)
    }
    let reshape = reader.node("reshape").flatMap { SampleShape.decode($0, resolver: resolver, &diagnostics) }
    let input = reader.reference("input", &diagnostics)
    let header = decodeHeader(reader, &diagnostics)
    guard let format else { return nil }
    if several != nil { checkSeveralInputs(reader, &diagnostics) }
    var source = DataSource(
      format: format, scale: scale, standardize: standardize ?? false, reshape: reshape,
      labelDType: labelDType, input: input, oneHot: oneHot, header: header ?? .auto, span: reader.span)
    source.inputTransforms = transforms
    return source
  }

  /// Reports the options that apply to a source feeding one input (`input`,
  /// `reshape`) on a source feeding several.
  private static func checkSeveralInputs(_ reader: MappingReader, _ diagnostics: inout DiagnosticBag) {
    if let key = reader.keySpan("input") {
      diagnostics.append(
        Diagnostic(.badData, at: key, "`input` names one fed input, but this source names the inputs it feeds")
          .help("remove `input`: the names under `inputs` (or `columns`) say which input each file feeds"))
    }
    if let key = reader.keySpan("reshape") {
      diagnostics.append(
        Diagnostic(.badData, at: key, "`reshape` applies to a source feeding one input, and this one feeds several")
          .help("remove `reshape`: each input's samples take the input's declared shape when their value counts match"))
    }
  }

  /// The format named by `entry`, with the `label` option that only CSV takes.
  private static func decodeFormat(
    _ entry: YAMLEntry, section: String, reader: MappingReader, _ diagnostics: inout DiagnosticBag
  ) -> Format? {
    let name = entry.key.value
    if name != "csv", let labelKey = reader.keySpan("label") {
      diagnostics.append(
        Diagnostic(.unknownKey, at: labelKey, "`label` applies only to `csv` sources")
          .help(
            name == "synthetic"
              ? "synthetic tasks make their own labels; remove `label`"
              : "`\(name)` sources read labels from their `labels` file; remove `label`"))
    }
    if name != "csv", let columnsKey = reader.keySpan("columns") {
      diagnostics.append(
        Diagnostic(.unknownKey, at: columnsKey, "`columns` applies only to a `csv` file")
          .help("`\(name)` sources feed several inputs with `inputs: {NAME: PATH, ...}`; remove `columns`"))
    }
    if name != "csv", let headerKey = reader.keySpan("header") {
      diagnostics.append(
        Diagnostic(.unknownKey, at: headerKey, "`header` applies only to `csv` sources")
          .help("`\(name)` sources have no header row; remove `header`"))
    }
    let resolver = reader.resolver
    switch name {
    case "csv" where isMapping(entry.value):
      if let columnsKey = reader.keySpan("columns") {
        diagnostics.append(
          Diagnostic(.unknownKey, at: columnsKey, "`columns` does not apply to separate input and label files")
            .help("write `csv: PATH, columns: {NAME: [COLUMN, ...]}` for one file, or remove `columns`"))
      }
      if let labelKey = reader.keySpan("label") {
        diagnostics.append(
          Diagnostic(.unknownKey, at: labelKey, "`label` does not apply to a separate labels file")
            .help("every column of the `labels` file is a label; remove `label`"))
      }
      if let files = InputFile.decodeFiles(entry.value, kind: .csv, section: section, resolver: resolver, &diagnostics)
      {
        return files.map { .perInput(.csv, inputs: $0.inputs, labels: $0.labels) }
      }
      return decodePair(
        entry.value, section: "\(section).csv", keys: ("inputs", "labels"), resolver: resolver, &diagnostics
      )
      .map { .csvFiles(inputs: $0.0, labels: $0.1) }
    case "csv":
      let label = decodeLabel(reader, &diagnostics)
      let groups = reader.node("columns").map { ColumnGroup.decodeGroups($0, section: section, &diagnostics) }
      let path = DataPath.decode(entry.value, what: "csv", resolver: resolver, &diagnostics)
      guard let path else { return nil }
      let labelSpan = reader.node("label")?.span ?? entry.key.span
      guard let groups else { return .csv(path, label: label ?? .last, labelSpan: labelSpan) }
      return groups.map { .csvColumns(path, groups: $0, label: label ?? .last, labelSpan: labelSpan) }
    case "npy":
      if let files = InputFile.decodeFiles(entry.value, kind: .npy, section: section, resolver: resolver, &diagnostics)
      {
        return files.map { .perInput(.npy, inputs: $0.inputs, labels: $0.labels) }
      }
      return decodePair(
        entry.value, section: "\(section).npy", keys: ("inputs", "labels"), resolver: resolver, &diagnostics
      )
      .map { .npy(inputs: $0.0, labels: $0.1) }
    case "idx":
      return decodePair(
        entry.value, section: "\(section).idx", keys: ("images", "labels"), resolver: resolver, &diagnostics
      )
      .map { .idx(images: $0.0, labels: $0.1) }
    default:
      return SyntheticData.decode(entry.value, section: "\(section).synthetic", resolver: resolver, &diagnostics)
        .map { .synthetic($0) }
    }
  }

  private static func isMapping(_ node: YAMLNode) -> Bool {
    if case .mapping = node { true } else { false }
  }

  /// `label: last | first | <column index> | <header name>`.
  private static func decodeLabel(_ reader: MappingReader, _ diagnostics: inout DiagnosticBag) -> LabelColumn? {
    guard let value = reader.value("label", &diagnostics) else { return nil }
    switch value.kind {
    case .string("last"): return .last
    case .string("first"): return .first
    case .string(let name) where !name.isEmpty: return .name(name)
    case .int(let index) where index >= 0: return .index(index)
    case .int(let index):
      diagnostics.append(
        Diagnostic(.valueOutOfRange, at: value.span, "`label` is column \(index), out of range")
          .help("columns count from 0; write `last` for the last column"))
      return nil
    default:
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: value.span, "`label` must name a column, found \(value.kindDescription) `\(value)`"
        ).help("write `last`, `first`, a column index from 0, or the column's header name"))
      return nil
    }
  }

  /// `header: true | false | auto`.
  private static func decodeHeader(_ reader: MappingReader, _ diagnostics: inout DiagnosticBag) -> CSVHeader? {
    guard let value = reader.value("header", &diagnostics) else { return nil }
    if let present = value.boolValue { return present ? .present : .absent }
    return ValueCheck.choice(value, CSVHeader.allCases.map(\.rawValue), what: "`header`", &diagnostics)
      .flatMap(CSVHeader.init(rawValue:))
  }

  /// `npy: {inputs: PATH, labels: PATH}` and `idx: {images: PATH, labels: PATH}`.
  private static func decodePair(
    _ node: YAMLNode, section: String, keys: (String, String), resolver: ValueResolver,
    _ diagnostics: inout DiagnosticBag
  ) -> (DataPath, DataPath)? {
    guard case .mapping = node else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: node.span, "`\(section)` must be a mapping of two paths, found \(node.kindDescription)"
        )
        .help("write `{\(keys.0): PATH, \(keys.1): PATH}`"))
      return nil
    }
    guard
      let reader = MappingReader(node, section: section, keys: [keys.0, keys.1], resolver: resolver, &diagnostics)
    else { return nil }
    var paths: [DataPath] = []
    for key in [keys.0, keys.1] {
      guard let value = reader.node(key) else {
        reader.requireKey(
          key, allowed: [keys.0, keys.1], help: "add `\(key): PATH`, relative to the spec's folder", &diagnostics)
        continue
      }
      if let path = DataPath.decode(value, what: key, resolver: resolver, &diagnostics) { paths.append(path) }
    }
    return paths.count == 2 ? (paths[0], paths[1]) : nil
  }
}

/// `reshape: [1, 28, 28]`: the per-sample shape, without the batch axis.
public struct SampleShape: Sendable, Hashable {
  public var sizes: [Int]
  public var span: SourceSpan

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> SampleShape? {
    guard case .sequence(let items, let span) = node, !items.isEmpty else {
      diagnostics.append(
        Diagnostic(.badShape, at: node.span, "`reshape` must be a non-empty list of sizes")
          .help("write the shape of one sample, e.g. `reshape: [1, 28, 28]`"))
      return nil
    }
    var sizes: [Int] = []
    var count = 1
    for item in items {
      guard let value = resolver.resolve(item, &diagnostics) else { continue }
      guard case .int(let size) = value.kind, size >= 1 else {
        diagnostics.append(
          Diagnostic(.badShape, at: value.span, "`\(value)` is not a valid size")
            .help("sizes are whole numbers >= 1; the batch axis is not part of `reshape`"))
        continue
      }
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow, product <= Dim.limit else {
        diagnostics.append(
          Diagnostic(.dimensionOverflow, at: span, "`reshape` holds more than \(Dim.limit) values per sample"))
        return nil
      }
      count = product
      sizes.append(size)
    }
    return sizes.count == items.count ? SampleShape(sizes: sizes, span: span) : nil
  }
}
