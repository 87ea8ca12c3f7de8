import ONNXProto

/// NetSpec's `rotary` export as one `rotary` layer: `x * cos + rotate_half(x) * sin`
/// over the tables `L/x_cos_table` and `L/x_sin_table` (constants for a
/// static length, else computed from `Range(T)`); an `[N, T, heads*d]` input
/// is split into heads by a `Reshape` to `[0, 0, heads, d]` first.
extension ONNXTranslator {
  mutating func netspecRotary(_ nodes: [Onnx_NodeProto], layer: String) throws(NodeFailure) {
    let fail = NodeFailure(
      "NetSpec `rotary` export in a form the importer does not recognize",
      help: "export the model again with this version of netspec")
    let produced = Set(nodes.flatMap(\.output))
    let readOutside = produced.filter { name in
      (uses[name] ?? 0) > nodes.reduce(0) { $0 + $1.input.filter { $0 == name }.count }
    }
    // The input: the tensor the first node reads.
    guard readOutside == [layer], let first = nodes.first, case .tensor(let x)? = bindings[first.input[0]],
      let width = x.shape.last?.staticValue
    else { throw fail }
    var attributes: [(name: String, value: SpecValue.Kind)] = []
    var headWidth = width
    if x.shape.count == 3 {
      guard first.opType == "Reshape", first.input.count == 2, case .constant(let split)? = bindings[first.input[1]],
        let sizes = split.staticInts, sizes.count == 4, sizes[2] * sizes[3] == width
      else { throw fail }
      attributes.append(("heads", .int(sizes[2])))
      headWidth = sizes[3]
    }
    if let base = rotaryBase(nodes, layer: layer, tables: "x", headWidth: headWidth), base != 10000 {
      attributes.append(("base", .float(base)))
    }
    let source = try materialize(x, for: first)
    var scope = Onnx_NodeProto()
    scope.name = layer
    scope.opType = "Rotary"
    let name = try addLayer("rotary", for: scope, attributes, inputs: [source])
    bindings[layer] = .tensor(ImportedTensor(source: name, shape: shapes[name]!))
  }
}
