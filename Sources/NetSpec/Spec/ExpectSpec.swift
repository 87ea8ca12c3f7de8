import NetSpecDiagnostics
import NetSpecYAML

/// The `expect:` section: architecture facts `netspec check` verifies against
/// what it infers, so CI notices when a change alters the model.
///
/// ```yaml
/// expect:
///   params: 61706
///   flops: 846264
///   outputs: {logits: [N, 10]}
///   layers: {conv2: {params: 2416, output: [N, 16, 10, 10]}}
/// ```
public struct ExpectSpec: Sendable {
  /// The trainable parameter count (tied weights counted once).
  public var params: ExpectedCount?
  /// Forward-pass FLOPs per sample.
  public var flops: ExpectedCount?
  /// Expected shapes of named values, in source order.
  public var outputs: [ExpectedOutput]
  /// Expected facts about single layers, in source order.
  public var layers: [ExpectedLayer]
  /// The `expect:` value.
  public var span: SourceSpan

  static let keys = ["params", "flops", "outputs", "layers"]

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> ExpectSpec? {
    guard
      let reader = MappingReader(
        node, section: "expect", keys: keys, resolver: resolver, &diagnostics)
    else { return nil }
    return ExpectSpec(
      params: ExpectedCount.decode("params", reader, &diagnostics),
      flops: ExpectedCount.decode("flops", reader, &diagnostics),
      outputs: reader.node("outputs").map { ExpectedOutput.decodeAll($0, resolver: resolver, &diagnostics) } ?? [],
      layers: reader.node("layers").map { ExpectedLayer.decodeAll($0, resolver: resolver, &diagnostics) } ?? [],
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
    return entries.compactMap {
      decode($0.value, name: Reference($0.key.value, span: $0.key.span), resolver: resolver, &diagnostics)
    }
  }

  /// The shape list `node` as the expected shape of `name` (`.badShape` at a bad entry).
  static func decode(
    _ node: YAMLNode, name: Reference, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> ExpectedOutput? {
    guard let shape = SpecDecoder.decodeShape(node, resolver: resolver, computedSizes: true, &diagnostics),
      case .sequence(let items, let span) = node
    else { return nil }
    return ExpectedOutput(name: name, shape: shape, dimSpans: items.map(\.span), span: span)
  }
}

/// `name: {params: 2416, output: [N, 16, 10, 10], flops: 241600}` under
/// `expect.layers`: facts about the layer (or input) named `name`.
public struct ExpectedLayer: Sendable, Hashable {
  /// The layer, at its key.
  public var name: Reference
  /// The layer's own parameter count.
  public var params: ExpectedCount?
  /// The layer's forward-pass FLOPs per sample.
  public var flops: ExpectedCount?
  /// The layer's output shape, named after the layer.
  public var output: ExpectedOutput?
  /// The layer's mapping.
  public var span: SourceSpan

  static let keys = ["params", "flops", "output"]

  static func decodeAll(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> [ExpectedLayer] {
    guard case .mapping(let entries, _) = node else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: node.span, "`layers` must map layer names to facts, found \(node.kindDescription)"
        )
        .help("for example `layers: {conv1: {params: 156, output: [N, 6, 28, 28]}}`"))
      return []
    }
    return entries.compactMap { entry in
      let name = Reference(entry.key.value, span: entry.key.span)
      guard
        let reader = MappingReader(
          entry.value, section: "expect.layers.\(name.name)", keys: keys, resolver: resolver, &diagnostics)
      else { return nil }
      guard reader.entries.contains(where: { keys.contains($0.key.value) }) else {
        if reader.entries.isEmpty {
          diagnostics.append(
            Diagnostic(.missingKey, at: reader.span, "`expect.layers.\(name.name)` expects nothing")
              .help("add \(Suggestions.list(keys)), e.g. `{params: 156}`"))
        }
        return nil
      }
      return ExpectedLayer(
        name: name,
        params: ExpectedCount.decode("params", reader, &diagnostics),
        flops: ExpectedCount.decode("flops", reader, &diagnostics),
        output: reader.node("output").flatMap {
          ExpectedOutput.decode($0, name: name, resolver: resolver, &diagnostics)
        },
        span: reader.span)
    }
  }
}
