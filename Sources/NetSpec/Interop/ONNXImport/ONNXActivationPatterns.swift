import ONNXProto

/// An activation an exporter writes as several nodes (opset 17 has no
/// `Gelu`, `Mish` or `SiLU`, and ONNX's `Softplus` no beta or threshold):
/// the nodes it spans, the last of which writes its output, and the NetSpec
/// activation it is.
struct ActivationRegion {
  var members: [Int]
  /// The ONNX value the activation reads.
  var input: String
  var op: String
  var attributes: [(name: String, value: SpecValue.Kind)]
  /// The `activation:` name a layer fuses it as, when at those settings.
  var fused: String?

  var last: Int { members.max()! }
}

/// The nodes of a graph by their outputs, for matching patterns backwards
/// from a node: who writes a value, how often it is read, and the value of
/// one-element float constants.
private struct GraphIndex {
  let nodes: [Onnx_NodeProto]
  var producer: [String: Int] = [:]
  var uses: [String: Int] = [:]
  var scalars: [String: Float] = [:]

  init(_ graph: Onnx_GraphProto) {
    nodes = graph.node
    for (index, node) in graph.node.enumerated() {
      for output in node.output { producer[output] = index }
      for input in node.input { uses[input, default: 0] += 1 }
    }
    for output in graph.output { uses[output.name, default: 0] += 1 }
    for initializer in graph.initializer where initializer.dims.reduce(1, *) == 1 {
      if let value = try? ONNXTensorDecoding.decode(initializer, what: "", path: ""), let v = value.floats?.first {
        scalars[initializer.name] = v
      }
    }
    for node in graph.node where node.opType == "Constant" {
      if let attribute = node.attribute("value"),
        let value = try? ONNXTensorDecoding.decode(attribute.t, what: "", path: ""), value.count == 1,
        let v = value.floats?.first
      {
        scalars[node.output[0]] = v
      } else if let attribute = node.attribute("value_float") {
        scalars[node.output[0]] = attribute.f
      }
    }
  }

  /// The node writing `value` when it is of `op` and read only once (inside the pattern).
  func inner(_ value: String, _ op: String) -> Int? {
    guard let index = producer[value], nodes[index].opType == op, uses[value] == 1 else { return nil }
    return index
  }

  /// Whether `value` is a one-element constant within 1e-6 of `expected`.
  func isScalar(_ value: String, _ expected: Float) -> Bool {
    scalars[value].map { abs($0 - expected) <= 1e-6 * max(1, abs(expected)) } ?? false
  }

  /// The operands of a two-input node, in both orders.
  func operands(_ index: Int) -> [(String, String)] {
    let node = nodes[index]
    guard node.input.count == 2 else { return [] }
    return [(node.input[0], node.input[1]), (node.input[1], node.input[0])]
  }
}

extension ONNXTranslator {
  /// The multi-node activations of `graph`, by the index of each member node.
  static func activationRegions(_ graph: Onnx_GraphProto) -> [Int: ActivationRegion] {
    let index = GraphIndex(graph)
    var regions: [Int: ActivationRegion] = [:]
    for i in graph.node.indices {
      guard let region = gelu(index, i) ?? swish(index, i) ?? softplus(index, i) else { continue }
      guard region.members.allSatisfy({ regions[$0] == nil }) else { continue }
      for member in region.members { regions[member] = region }
    }
    return regions
  }

  /// `Mul(Mul(x, 1 + Erf(x / sqrt 2)), 0.5)` (exact) or
  /// `Mul(Mul(x, 1 + Tanh(sqrt(2 / pi) (x + 0.044715 x^3))), 0.5)` (tanh),
  /// with `x * 0.5` first as torch writes it, or last as NetSpec does.
  private static func gelu(_ g: GraphIndex, _ i: Int) -> ActivationRegion? {
    guard g.nodes[i].opType == "Mul" else { return nil }
    for (a, b) in g.operands(i) {
      // NetSpec: Mul(Mul(x, phi), 0.5); torch: Mul(Mul(x, 0.5), phi) or Mul(x * 0.5 ...).
      if g.isScalar(b, 0.5), let product = g.inner(a, "Mul") {
        for (x, phi) in g.operands(product) {
          if let members = geluPhi(g, phi, x) {
            return geluRegion(members + [product, i], x: x, exact: g.nodes[members[0]].opType == "Erf")
          }
        }
      }
      if let half = g.inner(a, "Mul"), let (x, _) = g.operands(half).first(where: { g.isScalar($0.1, 0.5) }),
        let members = geluPhi(g, b, x)
      {
        return geluRegion(members + [half, i], x: x, exact: g.nodes[members[0]].opType == "Erf")
      }
    }
    return nil
  }

  private static func geluRegion(_ members: [Int], x: String, exact: Bool) -> ActivationRegion {
    exact
      ? ActivationRegion(members: members, input: x, op: "gelu", attributes: [("approximate", .string("none"))])
      : ActivationRegion(members: members, input: x, op: "gelu", attributes: [], fused: "gelu")
  }

  /// `1 + Erf(x / sqrt 2)` or `1 + Tanh(...)` of `x`: the member nodes, Erf or Tanh first.
  private static func geluPhi(_ g: GraphIndex, _ phi: String, _ x: String) -> [Int]? {
    guard let add = g.inner(phi, "Add"),
      let (inner, _) = g.operands(add).first(where: { g.isScalar($0.1, 1) }),
      let producer = g.producer[inner], g.uses[inner] == 1
    else { return nil }
    let node = g.nodes[producer]
    if node.opType == "Erf" {
      let argument = node.input[0]
      if let scale = g.inner(argument, "Mul"),
        g.operands(scale).contains(where: { $0.0 == x && g.isScalar($0.1, 0.707_106_77) })
      {
        return [producer, scale, add]
      }
      if let scale = g.inner(argument, "Div"), g.nodes[scale].input[0] == x,
        g.isScalar(g.nodes[scale].input[1], 1.414_213_5)
      {
        return [producer, scale, add]
      }
      return nil
    }
    guard node.opType == "Tanh", let scale = g.inner(node.input[0], "Mul"),
      let (sum, _) = g.operands(scale).first(where: { g.isScalar($0.1, 0.797_884_56) }),
      let addCubic = g.inner(sum, "Add"), let (_, cubic) = g.operands(addCubic).first(where: { $0.0 == x }),
      let times = g.inner(cubic, "Mul"),
      let (cube, _) = g.operands(times).first(where: { g.isScalar($0.1, 0.044_715) }),
      let power = g.inner(cube, "Pow"), g.nodes[power].input[0] == x, g.isScalar(g.nodes[power].input[1], 3)
    else { return nil }
    return [producer, scale, addCubic, times, power, add]
  }

  /// `Mul(x, Sigmoid(x))` (silu) and `Mul(x, Tanh(Softplus(x)))` (mish).
  private static func swish(_ g: GraphIndex, _ i: Int) -> ActivationRegion? {
    guard g.nodes[i].opType == "Mul" else { return nil }
    for (x, gate) in g.operands(i) {
      if let sigmoid = g.inner(gate, "Sigmoid"), g.nodes[sigmoid].input[0] == x {
        return ActivationRegion(members: [sigmoid, i], input: x, op: "silu", attributes: [], fused: "silu")
      }
      if let tanh = g.inner(gate, "Tanh"), let softplus = g.inner(g.nodes[tanh].input[0], "Softplus"),
        g.nodes[softplus].input[0] == x
      {
        return ActivationRegion(members: [softplus, tanh, i], input: x, op: "mish", attributes: [], fused: "mish")
      }
    }
    return nil
  }

  /// `Where(beta x > threshold, x, Softplus(beta x) / beta)`: softplus with beta and threshold.
  private static func softplus(_ g: GraphIndex, _ i: Int) -> ActivationRegion? {
    let node = g.nodes[i]
    guard node.opType == "Where", node.input.count == 3, let greater = g.inner(node.input[0], "Greater"),
      let threshold = g.scalars[g.nodes[greater].input[1]]
    else { return nil }
    let (x, scaled) = (node.input[1], g.nodes[greater].input[0])
    var members = [greater, i]
    var beta: Float = 1
    if scaled != x {
      guard let scale = g.producer[scaled], g.nodes[scale].opType == "Mul",
        let (_, factor) = g.operands(scale).first(where: { $0.0 == x }), let value = g.scalars[factor]
      else { return nil }
      beta = value
      members.append(scale)
    }
    var smooth = node.input[2]
    if beta != 1 {
      guard let divide = g.inner(smooth, "Div"), g.isScalar(g.nodes[divide].input[1], beta) else { return nil }
      members.append(divide)
      smooth = g.nodes[divide].input[0]
    }
    guard let soft = g.inner(smooth, "Softplus"), g.nodes[soft].input[0] == scaled else { return nil }
    members.append(soft)
    var attributes: [(name: String, value: SpecValue.Kind)] = []
    if beta != 1 { attributes.append(("beta", .float(Double(beta)))) }
    if threshold != 20 { attributes.append(("threshold", .float(Double(threshold)))) }
    return ActivationRegion(
      members: members, input: x, op: "softplus", attributes: attributes, fused: attributes.isEmpty ? "softplus" : nil)
  }

  /// Translates one multi-node activation at its last node, or records why it cannot be.
  mutating func translateActivation(_ region: ActivationRegion, _ nodes: [Onnx_NodeProto]) {
    let last = nodes[region.last]
    if case .skipped? = bindings[region.input] {
      bind(last, last.output.map { _ in .skipped })
      return
    }
    do throws(NodeFailure) {
      guard case .tensor(let x)? = bindings[region.input] else {
        throw NodeFailure(
          "`\(region.op)` pattern on a constant", help: "fold the constant computation before exporting")
      }
      let readers = region.members.reduce(0) { $0 + nodes[$1].input.filter { $0 == region.input }.count }
      try activate(
        last, (region.op, region.attributes, region.fused), input: x, value: region.input, readers: readers)
    } catch {
      unsupported.record(error.kind, node: last.displayName, help: error.help)
      bind(last, last.output.map { _ in .skipped })
    }
  }
}
