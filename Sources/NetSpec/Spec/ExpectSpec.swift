import NetSpecDiagnostics
import NetSpecYAML

/// The `expect:` section: architecture facts `netspec check` verifies against
/// what it infers, so CI notices when a change alters the model.
///
/// ```yaml
/// expect:
///   params: 61706
///   outputs: {logits: [N, 10]}
///   flops: 846264
/// ```
public struct ExpectSpec: Sendable {
  /// The trainable parameter count (tied weights counted once).
  public var params: ExpectedCount?
  /// Forward-pass FLOPs per sample.
  public var flops: ExpectedCount?
  /// Expected shapes of named values, in source order.
  public var outputs: [ExpectedOutput]
  /// The `expect:` value.
  public var span: SourceSpan

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> ExpectSpec? {
    guard
      let reader = MappingReader(
        node, section: "expect", keys: ["params", "outputs", "flops"], resolver: resolver, &diagnostics)
    else { return nil }
    return ExpectSpec(
      params: ExpectedCount.decode("params", reader, &diagnostics),
      flops: ExpectedCount.decode("flops", reader, &diagnostics),
      outputs: reader.node("outputs").map { ExpectedOutput.decodeAll($0, resolver: resolver, &diagnostics) } ?? [],
      span: reader.span)
  }
}

/// An expected count with the span of the number, for mismatch diagnostics.
public struct ExpectedCount: Sendable, Hashable {
  public var value: Int
  public var span: SourceSpan

  static func decode(_ key: String, _ reader: MappingReader, _ diagnostics: inout DiagnosticBag) -> ExpectedCount? {
    guard let value = reader.value(key, &diagnostics),
      let count = ValueCheck.int(value, in: 0...Dim.limit, what: "`\(key)`", &diagnostics)
    else { return nil }
    return ExpectedCount(value: count, span: value.span)
  }
}

/// `name: [N, 10]` under `expect.outputs`: the value named `name` must have
/// this shape (symbols such as `N` match the same symbols in the inferred shape).
public struct ExpectedOutput: Sendable, Hashable {
  /// The layer or input whose output is checked, at its key.
  public var name: Reference
  public var shape: Shape
  /// The span of each entry of the shape list, parallel to `shape`.
  public var dimSpans: [SourceSpan]
  /// The shape list.
  public var span: SourceSpan

  static func decodeAll(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> [ExpectedOutput] {
    guard case .mapping(let entries, _) = node else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: node.span, "`outputs` must map value names to shapes, found \(node.kindDescription)"
        )
        .help("for example `outputs: {logits: [N, 10]}`"))
      return []
    }
    return entries.compactMap { entry in
      guard let shape = SpecDecoder.decodeShape(entry.value, resolver: resolver, &diagnostics),
        case .sequence(let items, let span) = entry.value
      else { return nil }
      return ExpectedOutput(
        name: Reference(entry.key.value, span: entry.key.span), shape: shape, dimSpans: items.map(\.span),
        span: span)
    }
  }
}
