import ONNXProto

extension ONNXTranslator {
  /// The graph without the nodes no graph output depends on. An exporter may
  /// write values nothing reads (NetSpec's `lstm` export writes the final
  /// states `Y_h` and `Y_c` of every layer, read or not); importing them
  /// would make layers the model does not use, or stop on a form the live
  /// graph does not have.
  static func liveGraph(_ graph: Onnx_GraphProto) -> Onnx_GraphProto {
    var needed = Set(graph.output.map(\.name))
    var live = [Bool](repeating: false, count: graph.node.count)
    for (index, node) in graph.node.enumerated().reversed() where node.output.contains(where: needed.contains) {
      live[index] = true
      needed.formUnion(node.input.filter { !$0.isEmpty })
    }
    var result = graph
    result.node = graph.node.indices.filter { live[$0] }.map { graph.node[$0] }
    return result
  }
}
