extension Graph {
  /// The embedding with the smallest table among the layers that read `value`
  /// as token ids, with its `vocab`: ids fed to `value` must lie in
  /// `0..<vocab`. Nil when no embedding reads it.
  public func tokenTable(reading value: ValueID) -> (vocab: Int, node: Node)? {
    nodes.compactMap { node -> (vocab: Int, node: Node)? in
      guard node.inputs.first == value, let embedding = node.op as? Embedding else { return nil }
      return (embedding.vocab, node)
    }.min { $0.vocab < $1.vocab }
  }
}
