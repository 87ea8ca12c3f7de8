import ONNXProto

/// `LSTM` and `GRU` nodes as NetSpec's `lstm` and `gru` (PyTorch's layout):
/// the gate blocks reordered (ONNX stacks LSTM gates as i, o, f, c and GRU
/// gates as z, r, h; PyTorch as i, f, g, o and r, z, n), `B` split into
/// `bias_ih` and `bias_hh`, a `bidirectional` node's second direction as the
/// `..._reverse` weights, and the transposes torch wraps around them for
/// `batch_first` read as views. Consecutive nodes of one `nn.LSTM` stack into
/// one layer's `layers:`; their states are read in ``ONNXRecurrentStates.swift``.
extension ONNXTranslator {
  mutating func recurrent(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let isLSTM = node.opType == "LSTM"
    let gates = isLSTM ? 4 : 3
    let order = isLSTM ? [0, 2, 3, 1] : [1, 0, 2]
    let direction = node.string("direction", default: "forward")
    guard direction == "forward" || direction == "bidirectional" else {
      throw NodeFailure(
        "`\(node.opType)` with direction \(direction)",
        help:
          "NetSpec's recurrent layers run forward, or both ways with `bidirectional: true`; reverse the sequence and export a forward layer"
      )
    }
    let directions = direction == "bidirectional" ? 2 : 1
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
      guard x.layout == .timeMajor, x.shape.count == 3 else {
        throw NodeFailure(
          "`\(node.opType)` over a sequence that is not batch-first in the model",
          help: "NetSpec's recurrent layers take [N, T, F]: export with batch_first=True")
      }
      input = x.source
    } else {
      let statesRead = node.output.dropFirst().contains { (uses[$0] ?? 0) > 0 }
      guard !statesRead, try binding(node, 5) == nil, try binding(node, 6) == nil else {
        throw NodeFailure(
          "`\(node.opType)` with layout=1 and initial or final states",
          help: "export with layout 0, torch's form (batch_first transposes around the node)")
      }
      input = try materialize(x, for: node)
    }
    for i in [4, 7] where try binding(node, i) != nil {
      throw NodeFailure("`\(node.opType)` with sequence lengths or peepholes", help: "export without them")
    }
    let w = try constant(node, 1, "input weights")
    let r = try constant(node, 2, "recurrent weights")
    guard w.shape.count == 3, w.shape[0] == directions, r.shape.count == 3, let wValues = w.floats,
      let rValues = r.floats
    else { throw NodeFailure("`\(node.opType)` with weights of an unexpected shape", help: Self.checkHelp) }
    let (rows, features) = (w.shape[1], w.shape[2])
    let hidden = rows / gates
    guard rows % gates == 0, hidden > 0, r.shape == [directions, rows, hidden] else {
      throw NodeFailure("`\(node.opType)` with weights of an unexpected shape", help: Self.checkHelp)
    }
    var bias = [Float](repeating: 0, count: directions * 2 * rows)
    if try binding(node, 3) != nil {
      let b = try constant(node, 3, "biases")
      guard b.count == bias.count, let values = b.floats else {
        throw NodeFailure("`\(node.opType)` with biases of an unexpected shape", help: Self.checkHelp)
      }
      bias = values
    }
    func reordered(_ values: ArraySlice<Float>, columns: Int) -> [Float] {
      let block = hidden * columns
      return order.flatMap { values[(values.startIndex + $0 * block)..<(values.startIndex + ($0 + 1) * block)] }
    }
    var weights: [String: ([Int], [Float])] = [:]
    for d in 0..<directions {
      let suffix = d == 0 ? "" : "_reverse"
      let b = 2 * rows * d
      weights["weight_ih_l0\(suffix)"] = (
        [rows, features], reordered(wValues[(d * rows * features)..<((d + 1) * rows * features)], columns: features)
      )
      weights["weight_hh_l0\(suffix)"] = (
        [rows, hidden], reordered(rValues[(d * rows * hidden)..<((d + 1) * rows * hidden)], columns: hidden)
      )
      weights["bias_ih_l0\(suffix)"] = ([rows], reordered(bias[b..<(b + rows)], columns: 1))
      weights["bias_hh_l0\(suffix)"] = ([rows], reordered(bias[(b + rows)..<(b + 2 * rows)], columns: 1))
    }
    let states = try readInitialStates(node, count: isLSTM ? 2 : 1, directions: directions, hidden: hidden)
    let op = isLSTM ? "lstm" : "gru"
    var attributes: [(name: String, value: SpecValue.Kind)] = [("hidden", .int(hidden))]
    if directions == 2 { attributes.append(("bidirectional", .bool(true))) }
    let name: String
    if let stacked = try stack(node, onto: x, op: op, attributes: attributes, states: states, weights: weights) {
      name = stacked
    } else {
      let layerName = layerName(for: node, op: op)
      var stateInputs: [String] = []
      for (k, rows) in states.enumerated() {
        stateInputs.append(
          try stateValue(rows, matrix: directions == 1, name: "\(layerName)_initial_\(["h", "c"][k])", for: node))
      }
      name = try addLayer(op, for: node, attributes, inputs: [input] + stateInputs, weights: weights, name: layerName)
      initialStates[name] = states
    }
    recurrentNodes[name] = node.output
    let out = shapes[name]!
    let (batch, steps) = (out[0], out[1])
    let sequences =
      layout == 0
      ? ImportedTensor(
        source: name, shape: [steps, Dim(directions), batch, Dim(hidden)], layout: .recurrentSequences)
      : ImportedTensor(source: name, shape: [batch, steps, Dim(directions), Dim(hidden)])
    let row = (stackSize(name) - 1) * directions
    let finals = ["h", "c"].map {
      ONNXBinding.tensor(
        ImportedTensor(source: name, shape: [Dim(directions), batch, Dim(hidden)], layout: .finalState($0, row: row)))
    }
    bind(node, [.tensor(sequences)] + finals)
    if node.output.count > 1 { recurrentStates[node.output[1]] = node.output[0] }
  }

  /// How many layers the recurrent layer `name` stacks.
  func stackSize(_ name: String) -> Int {
    guard case .int(let count)? = layers.last(where: { $0.name == name })?["layers"] else { return 1 }
    return count
  }

  /// Adds the node as one more layer of the recurrent layer it reads (`layers:`
  /// + 1, weights `..._l1`, ...), as PyTorch's multi-layer `nn.LSTM` is exported:
  /// when that layer is the last one, the same op, size and directions, nothing
  /// else reads its sequence (its final states only a `Concat` of the stack's),
  /// and the node's initial states are the next rows of the values the layer's
  /// are. Returns the layer's name, or nil when it cannot stack.
  private mutating func stack(
    _ node: Onnx_NodeProto, onto x: ImportedTensor, op: String,
    attributes: [(name: String, value: SpecValue.Kind)], states: [StateRows], weights: [String: ([Int], [Float])]
  ) throws(NodeFailure) -> String? {
    guard x.layout == .timeMajor, var index = layers.indices.last, layers[index].name == x.source,
      !sealed.contains(x.source), layers[index].op == op, layers[index]["returns"] == nil,
      attributes.allSatisfy({ layers[index][$0.name] == $0.value }),
      layers[index]["bidirectional"] == nil || attributes.count == 2,
      let outputs = recurrentNodes[x.source], uses[node.input[0]] == 1, uses[outputs[0]] == 1,
      outputs.dropFirst().allSatisfy({ (uses[$0] ?? 0) == (readers[$0] ?? []).filter { $0 == "Concat" }.count })
    else { return nil }
    // The states grow by this layer's rows of the same values, or there are none.
    let previous = initialStates[x.source] ?? []
    guard previous.count == states.count,
      zip(previous, states).allSatisfy({ $0.source == $1.source && $0.start + $0.count == $1.start })
    else { return nil }
    var layer = layers[index]
    let count = stackSize(layer.name)
    layer["layers"] = .int(count + 1)
    let (_, parameters) = try infer(op, layer.attributes, inputs: [layer.inputs[0]], node: node)
    for (local, (shape, values)) in weights {
      let name = local.replacingOccurrences(of: "_l0", with: "_l\(count)")
      guard parameters.contains(where: { $0.name == name && $0.shape == shape }) else { return nil }
      layer.weights[name] = NamedTensor(name: name, shape: shape, values: values)
    }
    var stateInputs: [String] = []
    for (k, (old, new)) in zip(previous, states).enumerated() {
      if stateSlices.contains(layer.inputs[1 + k]) { removeLayer(named: layer.inputs[1 + k]) }
      index = layers.firstIndex { $0.name == layer.name }!
      let rows = StateRows(source: old.source, start: old.start, count: old.count + new.count)
      let value = try stateValue(rows, matrix: false, name: "\(layer.name)_initial_\(["h", "c"][k])", for: node)
      if value != rows.source {
        // The new slice goes before the recurrent layer that reads it.
        layers.insert(layers.removeLast(), at: index)
        index += 1
      }
      stateInputs.append(value)
    }
    layer.inputs = [layer.inputs[0]] + stateInputs
    _ = try infer(op, layer.attributes, inputs: layer.inputs, node: node)
    layers[index] = layer
    initialStates[layer.name] = zip(previous, states).map {
      StateRows(source: $0.source, start: $0.start, count: $0.count + $1.count)
    }
    return layer.name
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

  /// Sets `returns: last` on the recurrent layer `source` and binds the node to its `[N, D·H]` output.
  mutating func takeLast(_ source: String, _ node: Onnx_NodeProto) throws(NodeFailure) {
    guard let index = layers.lastIndex(where: { $0.name == source }) else { return }
    layers[index]["returns"] = .string("last")
    let (shape, _) = try infer(layers[index].op, layers[index].attributes, inputs: layers[index].inputs, node: node)
    shapes[source] = shape
    bindLayer(node, source)
  }
}
