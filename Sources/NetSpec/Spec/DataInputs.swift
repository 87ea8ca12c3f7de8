import NetSpecDiagnostics
import NetSpecYAML

/// One model input's file in a source with one file per input:
/// `tokens: data/ids.npy` in `npy: {inputs: {tokens: data/ids.npy, ...}, labels: ...}`.
public struct InputFile: Sendable, Hashable {
  /// The model input the file feeds.
  public var name: String
  public var nameSpan: SourceSpan
  public var path: DataPath

  /// `{inputs: {NAME: PATH, ...}, labels: PATH}` when `inputs` is a mapping;
  /// nil when it is not (the one-input form `{inputs: PATH, labels: PATH}`),
  /// `.some(nil)` after reporting a problem.
  static func decodeFiles(
    _ node: YAMLNode, kind: DataSource.FileKind, section: String, resolver: ValueResolver,
    _ diagnostics: inout DiagnosticBag
  ) -> (inputs: [InputFile], labels: DataPath)?? {
    guard case .mapping(let entries, _) = node,
      case .mapping(let inputEntries, let inputsSpan)? = entries.first(where: { $0.key.value == "inputs" })?.value
    else { return nil }
    let place = "\(section).\(kind.rawValue)"
    guard
      let reader = MappingReader(
        node, section: place, keys: ["inputs", "labels"], resolver: resolver, &diagnostics)
    else { return .some(nil) }
    if inputEntries.isEmpty {
      diagnostics.append(
        Diagnostic(.missingKey, at: inputsSpan, "`\(place).inputs` names no input")
          .help("write `inputs: {NAME: PATH, ...}`, one file per model input"))
    }
    var files: [InputFile] = []
    var complete = !inputEntries.isEmpty
    for entry in inputEntries {
      guard let path = DataPath.decode(entry.value, what: entry.key.value, resolver: resolver, &diagnostics) else {
        complete = false
        continue
      }
      files.append(InputFile(name: entry.key.value, nameSpan: entry.key.span, path: path))
    }
    guard let labelsNode = reader.node("labels") else {
      reader.requireKey(
        "labels", allowed: ["inputs", "labels"], help: "add `labels: PATH`, relative to the spec's folder", &diagnostics
      )
      return .some(nil)
    }
    guard let labels = DataPath.decode(labelsNode, what: "labels", resolver: resolver, &diagnostics), complete else {
      return .some(nil)
    }
    return .some((files, labels))
  }
}

/// The CSV columns that feed one model input: `tokens: [0, 1, 2]` in
/// `columns: {tokens: [0, 1, 2], mask: [3, 4, 5]}`. Columns are indices from
/// 0 or header names; a sample of the input holds them in the order listed.
public struct ColumnGroup: Sendable, Hashable {
  /// The model input the columns feed.
  public var name: String
  public var nameSpan: SourceSpan
  /// The columns, in order.
  public var columns: [LabelColumn]
  /// The list's span.
  public var span: SourceSpan

  /// `columns: {NAME: [COLUMN, ...], ...}`; nil after reporting a problem.
  static func decodeGroups(_ node: YAMLNode, section: String, _ diagnostics: inout DiagnosticBag) -> [ColumnGroup]? {
    guard case .mapping(let entries, _) = node, !entries.isEmpty else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: node.span,
          "`\(section).columns` must map model inputs to lists of columns, found \(node.kindDescription)"
        )
        .help("write e.g. `columns: {left: [0, 1], right: [2, 3]}`"))
      return nil
    }
    var groups: [ColumnGroup] = []
    var complete = true
    for entry in entries {
      guard case .sequence(let items, let listSpan) = entry.value, !items.isEmpty else {
        diagnostics.append(
          Diagnostic(
            .typeMismatch, at: entry.value.span,
            "the columns of `\(entry.key.value)` must be a non-empty list, found \(entry.value.kindDescription)"
          )
          .help("list column indices from 0 or header names, e.g. `\(entry.key.value): [0, 1, 2]`"))
        complete = false
        continue
      }
      var columns: [LabelColumn] = []
      for item in items {
        guard case .scalar(let scalar) = item, !scalar.isNull else {
          diagnostics.append(
            Diagnostic(.typeMismatch, at: item.span, "a column must be an index from 0 or a header name")
              .help("write e.g. `\(entry.key.value): [0, 1, 2]`"))
          complete = false
          continue
        }
        if scalar.style == .plain, let index = Int(scalar.value) {
          guard index >= 0 else {
            diagnostics.append(
              Diagnostic(.valueOutOfRange, at: scalar.span, "column \(index) is out of range")
                .help("columns count from 0"))
            complete = false
            continue
          }
          columns.append(.index(index))
        } else {
          columns.append(.name(scalar.value))
        }
      }
      groups.append(ColumnGroup(name: entry.key.value, nameSpan: entry.key.span, columns: columns, span: listSpan))
    }
    return complete ? groups : nil
  }
}
