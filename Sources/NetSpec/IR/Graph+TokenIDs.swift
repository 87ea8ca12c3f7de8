import NetSpecDiagnostics

/// The embedding that reads an input's token ids: the ids fed to the input
/// must lie in `0..<vocab`.
public struct TokenTable {
  /// The table's row count.
  public var vocab: Int
  /// The embedding layer.
  public var node: Node
  /// Where the spec sets `vocab` (the layer, when the attribute has no span
  /// of its own), the place a diagnostic about an id points at.
  public var vocabSpan: SourceSpan? { node.attributes.spans["vocab"] ?? node.span }
}

extension Graph {
  /// The embedding with the smallest table among the layers that read `value`
  /// as token ids. Nil when no embedding reads it.
  public func tokenTable(reading value: ValueID) -> TokenTable? {
    nodes.compactMap { node -> TokenTable? in
      guard node.inputs.first == value, let embedding = node.op as? Embedding else { return nil }
      return TokenTable(vocab: embedding.vocab, node: node)
    }.min { $0.vocab < $1.vocab }
  }
}
