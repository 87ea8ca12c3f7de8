import ONNXProto

/// `LSTM` and `GRU` nodes as NetSpec's `lstm` and `gru` (PyTorch's layout):
/// the gate blocks reordered (ONNX stacks LSTM gates as i, o, f, c and GRU
/// gates as z, r, h; PyTorch as i, f, g, o and r, z, n), `B` split into
/// `bias_ih` and `bias_hh`, and the transposes torch wraps around them for
/// `batch_first` read as views. Taking the last step (`Gather` of index -1, or
/// the final state `Y_h`) becomes `returns: last`. A one-layer stack's final
/// states read beside its sequences are its `.h` and `.c` outputs, and
/// `[N, H]` values unsqueezed to `[1, N, H]` its initial states.
extension ONNXTranslator {
  mutating func recurrent(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let isLSTM = node.opType == "LSTM"
    let gates = isLSTM ? 4 : 3
    let order = isLSTM ? [0, 2, 3, 1] : [1, 0, 2]
    guard node.string("direction", default: "forward") == "forward" else {
      throw NodeFailure(
        "`\(node.opType)` that is not forward-only",
        help: "NetSpec's recurrent layers run forward (bidirectional=False)")
    }
    guard node.attribute("activations") == nil, node.attribute("clip") == nil,
      node.int("input_forget", default: 0) == 0, isLSTM || node.int("linear_before_reset", default: 0) == 1
    else {
      throw NodeFailure(
        "`\(node.opType)` with custom activations, clip, input_forget or linear_before_reset=0",
        help: "export torch.nn.\(node.opType) as it is")
    }
    let x = try tensor(node, 0)
    let layout = node.int("layout", default: 0)
    let input: String
    if layout == 0 {
      guard x.layout == .timeMajor else {
        throw NodeFailure(
          "`\(node.opType)` over a sequence that is not batch-first in the model",
          help: "NetSpec's recurrent layers take [N, T, F]: export with batch_first=True")
      }
      input = x.source
    } else {
      input = try materialize(x, for: node)
    }
    for i in [4, 7] where try binding(node, i) != nil {
      throw NodeFailure("`\(node.opType)` with sequence lengths or peepholes", help: "export without them")
    }
    // Initial states: zeros, or `[1, N, H]` views of `[N, H]` values (a one-layer stack's states).
    var states: [String] = []
    for i in isLSTM ? [5, 6] : [5] {
      switch try binding(node, i) {
      case nil, .zeros?: continue
      case .constant(let value)? where value.isZero: continue
      case .tensor(let state)?
      where state.layout == .recurrentState && shapes[state.source] == Array(state.shape.dropFirst()):
        states.append(state.source)
      default:
        throw NodeFailure(
          "`\(node.opType)` with an initial state other than zeros or a one-layer stack's state",
          help: "NetSpec's recurrent layers start from zeros or from `from: [x, h, c]` states [N, hidden]")
      }
    }
    guard states.isEmpty || states.count == (isLSTM ? 2 : 1) else {
      throw NodeFailure("`LSTM` with one initial state of two", help: "give both initial states or neither")
    }
    let w = try constant(node, 1, "input weights")
    let r = try constant(node, 2, "recurrent weights")
    guard w.shape.count == 3, w.shape[0] == 1, r.shape.count == 3, let wValues = w.floats, let rValues = r.floats
    else { throw NodeFailure("`\(node.opType)` with weights of an unexpected shape", help: Self.checkHelp) }
    let rows = w.shape[1]
    let hidden = rows / gates
    guard rows % gates == 0, hidden > 0, r.shape == [1, rows, hidden] else {
      throw NodeFailure("`\(node.opType)` with weights of an unexpected shape", help: Self.checkHelp)
    }
    var bias = [Float](repeating: 0, count: 2 * rows)
    if try binding(node, 3) != nil {
      let b = try constant(node, 3, "biases")
      guard b.count == 2 * rows, let values = b.floats else {
        throw NodeFailure("`\(node.opType)` with biases of an unexpected shape", help: Self.checkHelp)
      }
      bias = values
    }
    func reordered(_ values: some Collection<Float>, columns: Int) -> [Float] {
      let values = Array(values)
      let block = hidden * columns
      return order.flatMap { values[($0 * block)..<(($0 + 1) * block)] }
    }
    let weights: [String: ([Int], [Float])] = [
      "weight_ih_l0": ([rows, w.shape[2]], reordered(wValues, columns: w.shape[2])),
      "weight_hh_l0": ([rows, hidden], reordered(rValues, columns: hidden)),
      "bias_ih_l0": ([rows], reordered(bias[..<rows], columns: 1)),
      "bias_hh_l0": ([rows], reordered(bias[rows...], columns: 1)),
    ]
    let op = isLSTM ? "lstm" : "gru"
    var name = states.isEmpty ? try stack(node, onto: x, op: op, hidden: hidden, weights: weights) ?? "" : ""
    if name.isEmpty {
      name = try addLayer(op, for: node, [("hidden", .int(hidden))], inputs: [input] + states, weights: weights)
    }
    recurrentNodes[name] = node.output
    let out = shapes[name]!
    let (batch, steps) = (out[0], out[1])
    let sequences =
      layout == 0
      ? ImportedTensor(source: name, shape: [steps, Dim(1), batch, Dim(hidden)], layout: .recurrentSequences)
      : ImportedTensor(source: name, shape: [batch, steps, Dim(1), Dim(hidden)])
    bind(
      node,
      [
        .tensor(sequences),
        .tensor(ImportedTensor(source: name, shape: [Dim(1), batch, Dim(hidden)], layout: .recurrentState)),
      ])
    if node.output.count > 1 { recurrentStates[node.output[1]] = node.output[0] }
    if node.output.count > 2, !node.output[2].isEmpty, (uses[node.output[2]] ?? 0) > 0 {
      // A one-layer stack's final cell state is its `.c` output; a stacked layer's is one row of it.
      if layers.last(where: { $0.name == name })?["layers"] == nil {
        bindings[node.output[2]] = .tensor(namedState(name, "c"))
      } else {
        bindings[node.output[2]] = .skipped
        unsupported.record(
          "`LSTM` of a multi-layer stack whose final cell state `Y_c` is read", node: node.displayName,
          help: "the importer reads the final states of one-layer stacks; write `from: <lstm>.c` by hand")
      }
    }
  }

  /// The final state `state` (`h` or `c`) of the one-layer stack `layer`, its
  /// output `<layer>.h` or `<layer>.c` `[N, H]`, seen as ONNX's `[1, N, H]`.
  private mutating func namedState(_ layer: String, _ state: String) -> ImportedTensor {
    let shape = shapes["\(layer).\(state == "h" ? 1 : 2)"]!
    shapes["\(layer).\(state)"] = shape
    return ImportedTensor(source: "\(layer).\(state)", shape: [Dim(1)] + shape, layout: .recurrentState)
  }

  /// Adds the node as one more layer of the recurrent layer it reads (`layers:`
  /// + 1, weights `..._l1`, ...), as PyTorch's multi-layer `nn.LSTM` is exported:
  /// when that layer is the last one, the same op and size, and nothing else
  /// reads its outputs. Returns the layer's name, or nil when it cannot stack.
  private mutating func stack(
    _ node: Onnx_NodeProto, onto x: ImportedTensor, op: String, hidden: Int, weights: [String: ([Int], [Float])]
  ) throws(NodeFailure) -> String? {
    guard x.layout == .timeMajor, let index = layers.indices.last, layers[index].name == x.source,
      layers[index].op == op, layers[index]["hidden"] == .int(hidden), layers[index]["returns"] == nil,
      let outputs = recurrentNodes[x.source], uses[node.input[0]] == 1, uses[outputs[0]] == 1,
      outputs.dropFirst().allSatisfy({ (uses[$0] ?? 0) == 0 })
    else { return nil }
    var layer = layers[index]
    let count: Int
    if case .int(let layerCount)? = layer["layers"] { count = layerCount } else { count = 1 }
    layer["layers"] = .int(count + 1)
    let (_, parameters) = try infer(op, layer.attributes, inputs: layer.inputs, node: node)
    for (local, (shape, values)) in weights {
      let name = local.replacingOccurrences(of: "_l0", with: "_l\(count)")
      guard parameters.contains(where: { $0.name == name && $0.shape == shape }) else { return nil }
      layer.weights[name] = NamedTensor(name: name, shape: shape, values: values)
    }
    layers[index] = layer
    return layer.name
  }

  /// `Squeeze` of a recurrent op's outputs: `Y` without its direction axis is
  /// the time-major sequence; `Y_h` without it is the last step's state.
  mutating func recurrentView(_ node: Onnx_NodeProto, _ x: ImportedTensor) throws(NodeFailure) {
    var axes = node.ints("axes")
    if case .constant(let value)? = try binding(node, 1) { axes = value.staticInts }
    switch (node.opType, x.layout, axes) {
    case ("Squeeze", .recurrentSequences, [1]?):
      bind(
        node,
        [.tensor(ImportedTensor(source: x.source, shape: [x.shape[0], x.shape[2], x.shape[3]], layout: .timeMajor))])
    case ("Squeeze", .recurrentState, [0]?):
      guard let layer = layers.last(where: { $0.name == x.source }), ["lstm", "gru"].contains(layer.op) else {
        // A named final state (`<layer>.c`), or a state view of another value.
        bind(node, [.tensor(ImportedTensor(source: x.source, shape: Array(x.shape.dropFirst())))])
        return
      }
      if let sequences = recurrentStates[node.input[0]], (uses[sequences] ?? 0) > 0 {
        // The sequences are read too: a one-layer stack's final state is its `.h` output.
        guard layer["layers"] == nil else {
          throw NodeFailure(
            "`\(node.opType)` reading both the sequence and the final state of a multi-layer recurrent stack",
            help: "the importer reads the final states of one-layer stacks; write `from: <layer>.h` by hand")
        }
        let state = namedState(x.source, "h")
        bind(node, [.tensor(ImportedTensor(source: state.source, shape: Array(state.shape.dropFirst())))])
        return
      }
      try takeLast(x.source, node)
    default:
      throw NodeFailure(
        "`\(node.opType)` of a time-major or recurrent tensor", help: "NetSpec keeps the batch axis first")
    }
  }

  /// `Unsqueeze` of `[N, H]` at axis 0: a recurrent op's initial state
  /// `[1, N, H]` (a one-layer stack's); nil for other views.
  mutating func stateView(_ node: Onnx_NodeProto, _ x: ImportedTensor) throws(NodeFailure) -> ImportedTensor? {
    var axes = node.ints("axes")
    if case .constant(let value)? = try binding(node, 1) { axes = value.staticInts }
    guard node.opType == "Unsqueeze", axes == [0], x.shape.count == 2 else { return nil }
    let source = try materialize(x, for: node)
    return ImportedTensor(source: source, shape: [Dim(1)] + x.shape, layout: .recurrentState)
  }

  /// `Gather` of the last step of a recurrent layer's sequence.
  mutating func lastStep(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try tensor(node, 0)
    let index = try constant(node, 1, "index")
    let axis = node.int("axis", default: 0)
    let timeAxis = x.layout == .timeMajor ? 0 : 1
    guard index.shape.isEmpty, let i = index.staticInts?.first, x.layout == .timeMajor || x.layout == .batchMajor,
      TensorIndexing.axis(axis, rank: x.shape.count) == timeAxis, x.shape.count == 3,
      i == -1 || x.shape[timeAxis] == Dim(i + 1),
      soleProducer(of: x, value: node.input[0]) != nil || x.layout == .timeMajor,
      let layer = layers.last(where: { $0.name == x.source }), ["lstm", "gru"].contains(layer.op)
    else {
      throw NodeFailure(
        "`Gather` of a computed tensor other than the last step of a recurrent layer",
        help: "NetSpec takes the last step with `returns: last` on lstm and gru")
    }
    try takeLast(x.source, node)
  }

  /// Sets `returns: last` on the recurrent layer `source` and binds the node to its `[N, H]` output.
  private mutating func takeLast(_ source: String, _ node: Onnx_NodeProto) throws(NodeFailure) {
    guard let index = layers.lastIndex(where: { $0.name == source }) else { return }
    layers[index]["returns"] = .string("last")
    let (shape, _) = try infer(layers[index].op, layers[index].attributes, inputs: layers[index].inputs, node: node)
    shapes[source] = shape
    bindLayer(node, source)
  }
}
