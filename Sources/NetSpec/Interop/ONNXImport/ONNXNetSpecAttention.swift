import Foundation
import ONNXProto

/// NetSpec's own `attention` export as one `attention` layer (and its
/// `rotary` export as one `rotary`, ``netspecRotary(_:layer:)``): the nodes named
/// `L` or `L/...` of a layer `L` whose projections are the initializers
/// `L.query.weight`, `L.key.weight`, `L.value.weight` and `L.output.weight`
/// (with `.bias` beside them unless `bias: false`). Read off the subgraph:
/// the heads (the `Reshape` to `[0, 0, H, D/H]`), `causal` (its mask: a
/// `Trilu`, or the constant `L/causal_mask`), `padding_mask` (the `Equal` of
/// the mask input to 0), `rotary` (the cosine tables of the queries) and
/// `rotary_base` (from their frequencies), the query, the memory (the key
/// projection's input, when it is not the query) and the mask.
extension ONNXTranslator {
  /// The node indices of each NetSpec `attention` or `rotary` layer, by node
  /// index, with the layer's name and op: the nodes named `L` or `L/...` of
  /// an attention `L` (its four projection weights are initializers) or a
  /// rotary `L` (its halves' sizes are the initializer `L/x_halves`).
  static func netspecRegions(_ graph: Onnx_GraphProto) -> [Int: (layer: String, op: String, nodes: [Int])] {
    let names = Set(graph.initializer.map(\.name))
    var ops: [String: String] = [:]
    for name in names where name.hasSuffix(".query.weight") {
      let layer = String(name.dropLast(".query.weight".count))
      if ["key", "value", "output"].allSatisfy({ names.contains("\(layer).\($0).weight") }) {
        ops[layer] = "attention"
      }
    }
    for name in names where name.hasSuffix("/x_halves") { ops[String(name.dropLast("/x_halves".count))] = "rotary" }
    guard !ops.isEmpty else { return [:] }
    var members: [String: [Int]] = [:]
    for (index, node) in graph.node.enumerated() {
      let scope = String(node.name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0])
      if ops[scope] != nil { members[scope, default: []].append(index) }
    }
    var regions: [Int: (layer: String, op: String, nodes: [Int])] = [:]
    for (layer, indices) in members { for index in indices { regions[index] = (layer, ops[layer]!, indices) } }
    return regions
  }

  /// Translates one NetSpec attention or rotary subgraph, or records why it cannot be.
  mutating func translateNetSpecRegion(_ nodes: [Onnx_NodeProto], layer: String, op: String) {
    let produced = nodes.flatMap(\.output)
    let skipped = nodes.flatMap(\.input).contains { if case .skipped? = bindings[$0] { true } else { false } }
    do {
      // After an unsupported node (already reported), the layer is skipped.
      if !skipped {
        if op == "attention" {
          try netspecAttention(nodes, layer: layer)
        } else {
          try netspecRotary(nodes, layer: layer)
        }
        return
      }
    } catch {
      unsupported.record(error.kind, node: layer, help: error.help)
    }
    for name in produced { bindings[name] = .skipped }
  }

  private mutating func netspecAttention(_ nodes: [Onnx_NodeProto], layer: String) throws(NodeFailure) {
    let fail = NodeFailure(
      "NetSpec `attention` export in a form the importer does not recognize",
      help: "export the model again with this version of netspec")
    let produced = Set(nodes.flatMap(\.output))
    let readOutside = produced.filter { name in
      (uses[name] ?? 0) > nodes.reduce(0) { $0 + $1.input.filter { $0 == name }.count }
    }
    func constant(_ name: String) -> ONNXConstant? {
      if case .constant(let value)? = bindings[name] { return value }
      return nil
    }
    /// The input of the `MatMul` by the transposed `projection` weight.
    func projected(_ projection: String) -> String? {
      let weight = "\(layer).\(projection).weight"
      guard let transpose = nodes.first(where: { $0.opType == "Transpose" && $0.input.first == weight }) else {
        return nil
      }
      return nodes.first { $0.opType == "MatMul" && $0.input.count == 2 && $0.input[1] == transpose.output[0] }?
        .input[0]
    }
    guard readOutside == [layer], let query = projected("query"), let memory = projected("key"),
      projected("value") == memory, case .tensor(let x)? = bindings[query], x.shape.count == 3,
      let width = x.shape[2].staticValue,
      let reshape = nodes.first(where: { $0.opType == "Reshape" }), reshape.input.count == 2,
      let split = constant(reshape.input[1])?.staticInts, split.count == 4, split[2] * split[3] == width
    else { throw fail }
    let (heads, headWidth) = (split[2], split[3])
    var inputs = [query]
    if memory != query { inputs.append(memory) }
    let paddingMask = nodes.first { $0.opType == "Equal" }
    if let paddingMask { inputs.append(paddingMask.input[0]) }
    let bias = constant("\(layer).query.bias") != nil
    var weights: [String: ([Int], [Float])] = [:]
    for projection in ["query", "key", "value", "output"] {
      guard let weight = constant("\(layer).\(projection).weight"), weight.shape == [width, width],
        let values = weight.floats
      else { throw fail }
      weights["\(projection).weight"] = ([width, width], values)
      if bias {
        guard let b = constant("\(layer).\(projection).bias"), b.count == width, let values = b.floats else {
          throw fail
        }
        weights["\(projection).bias"] = ([width], values)
      }
    }
    var attributes: [(name: String, value: SpecValue.Kind)] = [("heads", .int(heads))]
    let causal =
      nodes.contains { $0.opType == "Trilu" }
      || nodes.flatMap(\.input).contains { $0.hasPrefix("\(layer)/causal_mask") }
    if causal { attributes.append(("causal", .bool(true))) }
    if !bias { attributes.append(("bias", .bool(false))) }
    if paddingMask != nil { attributes.append(("padding_mask", .bool(true))) }
    if nodes.contains(where: { $0.opType == "Split" }) {
      attributes.append(("rotary", .bool(true)))
      if let base = rotaryBase(nodes, layer: layer, tables: "query", headWidth: headWidth), base != 10000 {
        attributes.append(("rotary_base", .float(base)))
      }
    }
    var sources: [String] = []
    for input in inputs {
      guard case .tensor(let tensor)? = bindings[input] else { throw fail }
      sources.append(try materialize(tensor, for: nodes[0]))
    }
    var scope = Onnx_NodeProto()
    scope.name = layer
    scope.opType = "Attention"
    let name = try addLayer("attention", for: scope, attributes, inputs: sources, weights: weights)
    bindings[layer] = .tensor(ImportedTensor(source: name, shape: shapes[name]!))
  }

  /// The rotary base, from the frequencies of the tables `L/<tables>_...` `base^(-2i/d)` (their
  /// constant for a symbolic length, else the angle of the tables' second
  /// row); nil when the tables do not tell it (one position, or d = 2,
  /// where every base computes the same).
  func rotaryBase(_ nodes: [Onnx_NodeProto], layer: String, tables: String, headWidth: Int) -> Double? {
    let half = headWidth / 2
    guard half >= 2 else { return nil }
    let inputs = Set(nodes.flatMap(\.input))
    func constant(_ prefix: String) -> ONNXConstant? {
      for name in inputs where name.hasPrefix("\(layer)/\(prefix)") {
        if case .constant(let value)? = bindings[name] { return value }
      }
      return nil
    }
    let frequency: Double
    if let frequencies = constant("\(tables)_frequencies")?.floats, frequencies.count == headWidth {
      frequency = Double(frequencies[1])
    } else if let cosines = constant("\(tables)_cos_table")?.floats,
      let sines = constant("\(tables)_sin_table")?.floats,
      cosines.count == sines.count, cosines.count >= 2 * headWidth
    {
      // Row 1, column half + 1: the angle 1 * base^(-2/d), its sine with a + sign.
      frequency = atan2(Double(sines[headWidth + half + 1]), Double(cosines[headWidth + half + 1]))
    } else {
      return nil
    }
    guard frequency > 0 else { return nil }
    let base = pow(frequency, -Double(headWidth) / 2)
    return abs(base - base.rounded()) <= 1e-3 * base ? base.rounded() : base
  }
}
