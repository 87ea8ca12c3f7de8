import ONNXProto

/// Token embeddings: `Gather` of the rows of a constant `[vocab, dim]` table
/// by computed integer ids is an `embedding`; a `Mul` by `sqrt(dim)` reading
/// only that layer (NetSpec's `scale: true` export) is its `scale`.
extension ONNXTranslator {
  /// `Gather(table, ids)` along axis 0 with a constant float table.
  mutating func embedding(_ node: Onnx_NodeProto, _ table: ONNXConstant) throws(NodeFailure) {
    let ids = try tensor(node, 1)
    let source = try materialize(ids, for: node)
    guard node.int("axis", default: 0) == 0, table.shape.count == 2, let values = table.floats,
      dtypes[source] == .int32
    else {
      throw NodeFailure(
        "`Gather` of a constant other than the rows of a [vocab, dim] table by token ids",
        help: "NetSpec looks up learned vectors with `embedding` (int32 ids)")
    }
    let (vocab, dim) = (table.shape[0], table.shape[1])
    let attributes: [(name: String, value: SpecValue.Kind)] = [("vocab", .int(vocab)), ("dim", .int(dim))]
    bindLayer(
      node,
      try addLayer("embedding", for: node, attributes, inputs: [source], weights: ["weight": ([vocab, dim], values)]))
  }

  /// `Mul` of the `embedding` that alone reads it by `sqrt(dim)`: sets its
  /// `scale` and binds the node to it. False when the node is not of this form.
  mutating func embeddingScale(_ node: Onnx_NodeProto, _ x: ImportedTensor, value: String, by factor: Float) -> Bool {
    guard let index = soleProducer(of: x, value: value), layers[index].op == "embedding",
      layers[index]["scale"] == nil, case .int(let dim)? = layers[index]["dim"], factor == Float(dim).squareRoot()
    else { return false }
    layers[index]["scale"] = .bool(true)
    bind(node, [.tensor(x)])
    return true
  }
}
