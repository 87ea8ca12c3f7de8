/// Group normalization as exporters write it (opset 17 has no
/// `GroupNormalization`): `Reshape` to `[N, G, -1]`, `InstanceNormalization`
/// with unit scale and zero bias, `Reshape` back, then `Mul` by the weight and
/// `Add` of the bias, each `[C, 1, ...]`. Translated node by node, these are the
/// layers `reshape`, `instance_norm`, `reshape`, `parameter` + `multiply`,
/// `parameter` + `add`; this pass makes them one `group_norm` under the last
/// one's name, so later layers still read it.
extension ONNXTranslator {
  /// Fuses each run of layers that computes a group normalization; `outputs`
  /// are the model's outputs, which count as readers.
  mutating func fuseGroupNorms(outputs: [String]) {
    var i = 0
    while i + 2 < layers.count {
      if let (length, fused) = groupNorm(at: i, outputs: outputs) {
        layers.replaceSubrange(i..<(i + length), with: [fused])
        shapes[fused.name] = shapes[fused.inputs[0]]
      }
      i += 1
    }
  }

  /// How many layers the values named `name` has as readers (model outputs included).
  private func readers(_ name: String, _ outputs: [String]) -> Int {
    layers.reduce(0) { $0 + $1.inputs.filter { $0 == name }.count } + outputs.filter { $0 == name }.count
  }

  /// The run of layers from `i` that is a group normalization: its length and the fused layer.
  private func groupNorm(at i: Int, outputs: [String]) -> (Int, ImportedLayer)? {
    let (grouped, normalized, restored) = (layers[i], layers[i + 1], layers[i + 2])
    guard grouped.op == "reshape", normalized.op == "instance_norm", restored.op == "reshape",
      normalized.weights.isEmpty, normalized.inputs == [grouped.name], restored.inputs == [normalized.name],
      readers(grouped.name, outputs) == 1, readers(normalized.name, outputs) == 1,
      let x = grouped.inputs.first, let shape = shapes[x], shape.count >= 3, shapes[restored.name] == shape,
      let channels = shape[1].staticValue, let groups = shapes[grouped.name]?[1].staticValue,
      groups < channels, channels % groups == 0, shapes[grouped.name]?.count == 3
    else { return nil }
    var attributes: [(name: String, value: SpecValue.Kind)] = [("groups", .int(groups))]
    if let eps = normalized["eps"] { attributes.append(("eps", eps)) }
    var fused = ImportedLayer(
      name: restored.name, op: "group_norm", attributes: attributes + [("affine", .bool(false))], inputs: [x],
      weights: [:])
    // The affine part: a `multiply` by the weight, then an `add` of the bias.
    guard let (scaleLength, scale) = step(from: i + 3, reading: restored.name, "multiply", channels, outputs),
      let (shiftLength, shift) = step(
        from: i + 3 + scaleLength, reading: layers[i + 2 + scaleLength].name, "add", channels, outputs)
    else { return (3, fused) }
    let length = 3 + scaleLength + shiftLength
    fused.name = layers[i + length - 1].name
    fused.attributes = attributes
    fused.weights = [
      "weight": NamedTensor(name: "weight", shape: [channels], values: scale),
      "bias": NamedTensor(name: "bias", shape: [channels], values: shift),
    ]
    return (length, fused)
  }

  /// The layers from `j` that apply `op` to `source` and one value per channel: a
  /// `parameter` and the op (2 layers), or the op's scalar form (1); their count and the values.
  private func step(from j: Int, reading source: String, _ op: String, _ channels: Int, _ outputs: [String])
    -> (Int, [Float])?
  {
    guard j < layers.count else { return nil }
    let first = layers[j]
    if first.op == op, first.inputs == [source], case .float(let value)? = first["scalar"],
      readers(source, outputs) == 1
    {
      return (1, [Float](repeating: Float(value), count: channels))
    }
    guard j + 1 < layers.count, first.op == "parameter", first.inputs == [source], readers(source, outputs) == 2,
      readers(first.name, outputs) == 1, layers[j + 1].op == op, layers[j + 1].inputs == [source, first.name],
      let weight = first.weights["weight"], weight.shape.first == channels, weight.values.count == channels
    else { return nil }
    return (2, weight.values)
  }
}
