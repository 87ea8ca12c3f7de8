import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// Parses `text` as a file named `spec.yaml`.
func parse(_ text: String, limits: YAMLLimits = .default) -> Result<YAMLNode, DiagnosticError> {
  YAMLParser.parse(SourceFile(path: "spec.yaml", text: text), limits: limits)
}

/// Parses raw bytes (for encoding tests).
func parse(bytes: [UInt8], limits: YAMLLimits = .default) -> Result<YAMLNode, DiagnosticError> {
  YAMLParser.parse(SourceFile(path: "spec.yaml", bytes: bytes), limits: limits)
}

/// The tree of a document expected to parse; records an issue otherwise.
func tree(
  _ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> YAMLNode {
  switch parse(text) {
  case .success(let node): return node
  case .failure(let error):
    Issue.record(
      "unexpected diagnostics: \(error.diagnostics.map(describe))", sourceLocation: sourceLocation)
    throw error
  }
}

/// The diagnostics of input expected to fail; records an issue if it parses.
func diagnostics(
  _ result: Result<YAMLNode, DiagnosticError>,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> [Diagnostic] {
  switch result {
  case .success:
    Issue.record("expected diagnostics, but the input parsed", sourceLocation: sourceLocation)
    return []
  case .failure(let error): return error.diagnostics
  }
}

/// `CODE line:column message` for failure messages.
func describe(_ diagnostic: Diagnostic) -> String {
  "\(diagnostic.code) \(diagnostic.span?.start.description ?? "-") \(diagnostic.message)"
}

extension SourceSpan {
  /// `line:column` of the start.
  var at: String { start.description }
  /// `line:column-line:column`.
  var range: String { "\(start)-\(end)" }
  /// The source text the span covers.
  var text: String { String(decoding: file.bytes[start.offset..<end.offset], as: UTF8.self) }
}

extension YAMLNode {
  /// The value of `key` in a mapping.
  subscript(key: String) -> YAMLNode? {
    guard case .mapping(let entries, _) = self else { return nil }
    return entries.first { $0.key.value == key }?.value
  }

  /// The entry of `key` in a mapping.
  func entry(_ key: String) -> YAMLEntry? {
    guard case .mapping(let entries, _) = self else { return nil }
    return entries.first { $0.key.value == key }
  }

  /// The `index`th item of a list.
  subscript(index: Int) -> YAMLNode? {
    guard case .sequence(let items, _) = self, items.indices.contains(index) else { return nil }
    return items[index]
  }

  var scalar: YAMLScalar? {
    guard case .scalar(let s) = self else { return nil }
    return s
  }

  /// Keys of a mapping, in order.
  var keys: [String] {
    guard case .mapping(let entries, _) = self else { return [] }
    return entries.map(\.key.value)
  }

  /// A compact rendering of the tree: `{a: [1, 2]}`.
  var shape: String {
    switch self {
    case .scalar(let s): s.value
    case .sequence(let items, _): "[" + items.map(\.shape).joined(separator: ", ") + "]"
    case .mapping(let entries, _):
      "{" + entries.map { "\($0.key.value): \($0.value.shape)" }.joined(separator: ", ") + "}"
    }
  }
}
