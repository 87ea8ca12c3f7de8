import ONNXProto

/// The subgraph torch's TorchScript exporter writes for `nn.MultiheadAttention`
/// (self-attention, no mask) as one `attention` layer. The subgraph is found by
/// its scope: the nodes named `/<module path>/...` of a module that has an
/// initializer (or a deduplicated copy) `<module path>.in_proj_bias`. Within it: the packed input
/// projection (`MatMul` by a `[D, 3D]` constant, `Add` of the `[3D]` bias),
/// the head count (the `Div` of the width by a constant), one `Softmax` of the
/// scores `MatMul` (no mask added), the output projection (`Gemm`), and the
/// transposes to and from the sequence-first layout.
extension ONNXTranslator {
  /// The node indices of each attention subgraph, by node index.
  static func attentionRegions(_ graph: Onnx_GraphProto) -> [Int: [Int]] {
    let suffix = ".in_proj_bias"
    // torch writes repeated weights once and the copies as `Identity` outputs of the same name.
    let names = graph.initializer.map(\.name) + graph.node.filter { $0.opType == "Identity" }.flatMap(\.output)
    let modules = names.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }
    guard !modules.isEmpty else { return [:] }
    var members: [String: [Int]] = [:]
    for (index, node) in graph.node.enumerated() {
      let dotted = node.name.split(separator: "/").joined(separator: ".")
      if let module = modules.first(where: { dotted.hasPrefix($0 + ".") }) {
        members[module, default: []].append(index)
      }
    }
    var regions: [Int: [Int]] = [:]
    for indices in members.values { for index in indices { regions[index] = indices } }
    return regions
  }

  /// Translates one attention subgraph, or records why it cannot be.
  mutating func translateAttention(_ nodes: [Onnx_NodeProto]) {
    do {
      try attention(nodes)
    } catch {
      unsupported.record(
        error.kind, node: nodes.first { $0.opType == "MatMul" }?.displayName ?? nodes[0].displayName, help: error.help)
      for name in nodes.filter({ $0.opType != "Constant" }).flatMap(\.output) { bindings[name] = .skipped }
    }
  }

  private mutating func attention(_ nodes: [Onnx_NodeProto]) throws(NodeFailure) {
    let fail = NodeFailure(
      "attention subgraph in a form the importer does not recognize (a mask, cross-attention, no biases)",
      help: "NetSpec reads torch's self-attention without masks; write the layer as `attention: {heads: H}` by hand")
    // Constants of the subgraph may be read by later ones (torch shares index constants).
    for node in nodes where node.opType == "Constant" {
      if let folded = try fold(node) { bind(node, folded) }
    }
    let produced = Set(nodes.filter { $0.opType != "Constant" }.flatMap(\.output))
    let producer = Dictionary(nodes.flatMap { node in node.output.map { ($0, node) } }, uniquingKeysWith: { a, _ in a })
    // The one computed tensor read from outside, and the one value read outside.
    var external: [ImportedTensor] = []
    var externalNames: Set<String> = []
    for node in nodes {
      for input in node.input where !input.isEmpty && !produced.contains(input) {
        guard case .tensor(let tensor)? = bindings[input] else { continue }
        if externalNames.insert(input).inserted { external.append(tensor) }
      }
    }
    let readOutside = produced.filter { name in
      (uses[name] ?? 0) > nodes.reduce(0) { $0 + $1.input.filter { $0 == name }.count }
    }
    guard external.count == 1, readOutside.count == 1, let output = readOutside.first,
      let last = producer[output], last.opType == "Transpose", last.ints("perm") == [1, 0, 2]
    else { throw fail }
    func value(_ name: String) -> ONNXConstant? {
      if case .constant(let constant)? = bindings[name] { return constant }
      return nil
    }
    let x = external[0]
    guard x.layout == .batchMajor, x.shape.count == 3, let width = x.shape[2].staticValue else { throw fail }
    // The packed projection: x [T, N, D] @ W^T [D, 3D] + b [3D].
    guard
      let inProjection = nodes.first(where: {
        $0.opType == "MatMul" && value($0.input[1])?.shape == [width, 3 * width]
      }),
      let packed = value(inProjection.input[1])?.floats,
      let biasAdd = nodes.first(where: { $0.opType == "Add" && $0.input.contains(inProjection.output[0]) }),
      let packedBias = biasAdd.input.compactMap({ value($0) }).first(where: { $0.count == 3 * width })?.floats,
      let headsDiv = nodes.first(where: { $0.opType == "Div" && value($0.input[1])?.staticInts?.count == 1 }),
      let heads = value(headsDiv.input[1])?.staticInts?.first, heads > 0, width % heads == 0,
      nodes.filter({ $0.opType == "Softmax" }).count == 1,
      let softmax = nodes.first(where: { $0.opType == "Softmax" }), producer[softmax.input[0]]?.opType == "MatMul",
      let gemm = nodes.first(where: { $0.opType == "Gemm" }), let outWeight = value(gemm.input[1]),
      outWeight.shape == [width, width], let outValues = outWeight.floats, gemm.input.count > 2,
      let outBias = value(gemm.input[2])?.floats, outBias.count == width
    else { throw fail }
    // The packed weight is stored transposed, [D, 3D]: rows of in_proj_weight are its columns.
    func projection(_ k: Int) -> [Float] {
      var rows = [Float](repeating: 0, count: width * width)
      for r in 0..<width { for c in 0..<width { rows[r * width + c] = packed[c * 3 * width + k * width + r] } }
      return rows
    }
    let outputWeight =
      gemm.int("transB", default: 0) == 1
      ? outValues : (0..<(width * width)).map { outValues[($0 % width) * width + $0 / width] }
    var weights: [String: ([Int], [Float])] = [
      "output.weight": ([width, width], outputWeight), "output.bias": ([width], outBias),
    ]
    for (k, name) in ["query", "key", "value"].enumerated() {
      weights["\(name).weight"] = ([width, width], projection(k))
      weights["\(name).bias"] = ([width], Array(packedBias[(k * width)..<((k + 1) * width)]))
    }
    let source = try materialize(x, for: inProjection)
    var scope = Onnx_NodeProto()
    scope.name = String(inProjection.name.split(separator: "/").dropLast().joined(separator: "/"))
    scope.opType = "MultiHeadAttention"
    let name = try addLayer("attention", for: scope, [("heads", .int(heads))], inputs: [source], weights: weights)
    bindings[output] = .tensor(ImportedTensor(source: name, shape: shapes[name]!))
  }
}
