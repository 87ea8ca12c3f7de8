import ONNXProto

/// Shape and resampling ops on computed tensors: `Resize` (`upsample`),
/// `Pad` (`pad`), `DepthToSpace` (`pixel_shuffle`), `Split` (`split` with
/// its outputs `<name>.0`, `<name>.1`, ...), `Slice` (`slice`), `Gather` of
/// one index (`select`), `Expand` (`expand`, or a `parameter` when the
/// expanded tensor is a constant), and `InstanceNormalization` (`instance_norm`).
extension ONNXTranslator {
  /// `Resize` of [N, C, H, W] as `upsample`: nearest with `asymmetric`
  /// coordinates rounded down (`floor`), or linear with `pytorch_half_pixel`,
  /// `half_pixel` or `align_corners` coordinates; by equal scales on H and W
  /// or to static sizes.
  mutating func resize(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let tensor = try tensor(node, 0)
    let x = try materialize(tensor, for: node)
    let mode = node.string("mode", default: "nearest")
    let coordinates = node.string("coordinate_transformation_mode", default: "half_pixel")
    var attributes: [(name: String, value: SpecValue.Kind)] = []
    switch (mode, coordinates) {
    case ("nearest", "asymmetric") where node.string("nearest_mode", default: "round_prefer_floor") == "floor":
      break
    case ("linear", "pytorch_half_pixel"), ("linear", "half_pixel"):
      attributes.append(("mode", .string("bilinear")))
    case ("linear", "align_corners"):
      attributes += [("mode", .string("bilinear")), ("align_corners", .bool(true))]
    default:
      throw NodeFailure(
        "`Resize` in mode \(mode) with \(coordinates) coordinates",
        help:
          "NetSpec's upsample reads nearest (asymmetric, floor) and linear (pytorch_half_pixel or align_corners) resizing"
      )
    }
    guard tensor.shape.count == 4 else {
      throw NodeFailure("`Resize` of other than [N, C, H, W]", help: "NetSpec upsamples images")
    }
    if case .constant(let scales)? = try binding(node, 2), scales.count == 4, let values = scales.floats {
      guard values[0] == 1, values[1] == 1, values[2] == values[3] else {
        throw NodeFailure(
          "`Resize` by scales other than [1, 1, s, s]", help: "NetSpec upsamples height and width alike")
      }
      attributes.insert(("scale_factor", .float(Double(values[2]))), at: 0)
    } else if case .constant(let sizes)? = try binding(node, 3), sizes.count == 4, let ints = sizes.ints,
      let height = ints[2].staticValue, let width = ints[3].staticValue
    {
      attributes.insert(("size", Self.pair([height, width])), at: 0)
    } else {
      throw NodeFailure("`Resize` with computed scales or sizes", help: "export with a constant scale factor or size")
    }
    bindLayer(node, try addLayer("upsample", for: node, attributes, inputs: [x]))
  }

  /// `Pad` of the last one or two axes (constant, reflect or edge) as `pad`.
  mutating func pad(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let tensor = try tensor(node, 0)
    let x = try materialize(tensor, for: node)
    let rank = tensor.shape.count
    guard let pads = try constant(node, 1, "pads").staticInts, pads.count == 2 * rank, try binding(node, 3) == nil
    else {
      throw NodeFailure("`Pad` with computed pads or axes", help: "export with constant pads of every axis")
    }
    // F.pad's order: the last axis' [begin, end] first.
    var padding: [Int] = []
    for axis in (0..<rank).reversed() { padding += [pads[axis], pads[rank + axis]] }
    while padding.count > 2, padding.suffix(2) == [0, 0] { padding.removeLast(2) }
    guard padding.count <= 4, padding.allSatisfy({ $0 >= 0 }) else {
      throw NodeFailure(
        "`Pad` of more than the last two axes (or cropping)", help: "NetSpec pads the last one or two axes")
    }
    var attributes: [(name: String, value: SpecValue.Kind)] = [("padding", .importedList(padding.map { .int($0) }))]
    switch node.string("mode", default: "constant") {
    case "constant":
      if let value = try binding(node, 2) {
        guard case .constant(let fill) = value, let v = Self.uniformValue(fill) else {
          throw NodeFailure("`Pad` with a computed value", help: "export a constant padding value")
        }
        if v != 0 { attributes.append(("value", .float(Double(v)))) }
      }
    case "reflect": attributes.append(("mode", .string("reflect")))
    case "edge": attributes.append(("mode", .string("replicate")))
    case let mode: throw NodeFailure("`Pad` in mode \(mode)", help: "NetSpec pads with constant, reflect or edge")
    }
    bindLayer(node, try addLayer("pad", for: node, attributes, inputs: [x]))
  }

  /// `DepthToSpace` in `CRD` order (PyTorch's pixel shuffle) as `pixel_shuffle`.
  mutating func depthToSpace(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    guard node.string("mode", default: "DCR") == "CRD" else {
      throw NodeFailure(
        "`DepthToSpace` in DCR mode", help: "NetSpec's pixel_shuffle is the CRD order (torch's pixel_shuffle)")
    }
    let factor = node.int("blocksize", default: 1)
    bindLayer(node, try addLayer("pixel_shuffle", for: node, [("upscale_factor", .int(factor))], inputs: [x]))
  }

  /// `Split` along a feature axis as `split`, its outputs bound to `<name>.k`.
  mutating func split(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let tensor = try tensor(node, 0)
    let x = try materialize(tensor, for: node)
    guard let axis = TensorIndexing.axis(node.int("axis", default: 0), rank: tensor.shape.count), axis > 0 else {
      throw NodeFailure("`Split` along the batch axis", help: "NetSpec splits axes of each sample")
    }
    var sizes = node.ints("split")
    if let input = try binding(node, 1) {
      guard case .constant(let value) = input, let ints = value.staticInts else {
        throw NodeFailure("`Split` with computed sizes", help: "export with constant sizes")
      }
      sizes = ints
    }
    var attributes: [(name: String, value: SpecValue.Kind)] = [("axis", .int(axis))]
    if let sizes {
      attributes.insert(("sizes", .importedList(sizes.map { .int($0) })), at: 0)
    } else {
      attributes.insert(("chunks", .int(node.output.count)), at: 0)
    }
    let name = try addLayer("split", for: node, attributes, inputs: [x])
    guard shapes["\(name).\(node.output.count - 1)"] != nil else {
      throw NodeFailure("`Split` whose outputs do not match its sizes", help: Self.checkHelp)
    }
    bind(
      node,
      node.output.indices.map { .tensor(ImportedTensor(source: "\(name).\($0)", shape: shapes["\(name).\($0)"]!)) })
  }

  /// `Slice` of a computed tensor: one `slice` layer per sliced axis (steps of 1 and more).
  mutating func sliceLayers(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let tensor = try tensor(node, 0)
    if tensor.layout == .timeMajor { return try timeMajorSlice(node, tensor) }
    var source = try materialize(tensor, for: node)
    let rank = tensor.shape.count
    func ints(_ i: Int) throws(NodeFailure) -> [Int]? {
      guard let value = try binding(node, i) else { return nil }
      guard case .constant(let c) = value, let ints = c.staticInts else {
        throw NodeFailure("`Slice` with computed bounds", help: "export with constant starts, ends, axes and steps")
      }
      return ints
    }
    guard let starts = try ints(1), let ends = try ints(2) else {
      throw NodeFailure("`Slice` without starts and ends", help: Self.checkHelp)
    }
    let axes = try ints(3) ?? Array(starts.indices)
    let steps = try ints(4) ?? starts.map { _ in 1 }
    guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
      throw NodeFailure("`Slice` with bounds of different lengths", help: Self.checkHelp)
    }
    for k in starts.indices {
      guard let axis = TensorIndexing.axis(axes[k], rank: rank), axis > 0, steps[k] >= 1 else {
        if rank == 3, inputs.contains(where: { $0.name == tensor.source }) {
          throw NodeFailure(
            "`Slice` of the first axis of a model input (torch's recurrent states h_0 [layers·directions, N, H])",
            help:
              "NetSpec's inputs are batch first: take states [N, layers·directions, H] and transpose them in the model")
        }
        throw NodeFailure(
          "`Slice` of the batch axis or with a negative step", help: "NetSpec slices axes of each sample forwards")
      }
      var attributes: [(name: String, value: SpecValue.Kind)] = [("axis", .int(axis))]
      if starts[k] != 0 { attributes.append(("start", .int(max(starts[k], -Dim.limit)))) }
      // ONNX writes "to the end" as a huge end; NetSpec leaves `end` out.
      let size = tensor.shape[axis].staticValue
      if ends[k] < (size ?? Int.max), ends[k] < Dim.limit { attributes.append(("end", .int(max(ends[k], -Dim.limit)))) }
      if steps[k] != 1 { attributes.append(("step", .int(steps[k]))) }
      var step = node
      if k > 0 { step.name = "\(node.name)/\(k)" }
      source = try addLayer("slice", for: step, attributes, inputs: [source])
    }
    bindLayer(node, source)
  }

  /// `Gather` of one constant index along a feature axis: `select`; other
  /// gathers of computed tensors are a recurrent layer's last step, and the
  /// rows of a constant table by token ids an `embedding` (``embedding(_:_:)``).
  mutating func gather(_ node: Onnx_NodeProto) throws(NodeFailure) {
    if case .constant(let table)? = try binding(node, 0) { return try embedding(node, table) }
    let x = try tensor(node, 0)
    if let rows = try stateGather(node, x) {
      bind(node, [.tensor(rows)])
      return
    }
    let index = try constant(node, 1, "index")
    let recurrent = layers.last { $0.name == x.source }.map { ["lstm", "gru"].contains($0.op) } ?? false
    guard !recurrent, x.layout == .batchMajor, index.shape.isEmpty, let i = index.staticInts?.first,
      let axis = TensorIndexing.axis(node.int("axis", default: 0), rank: x.shape.count), axis > 0
    else { return try lastStep(node) }
    let source = try materialize(x, for: node)
    bindLayer(node, try addLayer("select", for: node, [("axis", .int(axis)), ("index", .int(i))], inputs: [source]))
  }

  /// `Expand` of a computed tensor to static sizes (`expand`), or of a
  /// constant to `[N, ...]` (a `parameter` holding it, for the first input's batch).
  mutating func expand(_ node: Onnx_NodeProto) throws(NodeFailure) {
    guard let target = try constant(node, 1, "shape").ints else {
      throw NodeFailure("`Expand` with a float shape", help: Self.checkHelp)
    }
    if case .constant(let c)? = try binding(node, 0), let first = inputs.first {
      guard target.count == c.shape.count, target.first == .symbol("N"), c.shape.first == 1,
        target.dropFirst().map(\.staticValue) == c.shape.dropFirst().map({ $0 }), let values = c.floats
      else {
        throw NodeFailure("`Expand` of a constant other than to [N, its shape]", help: "export a learned tensor")
      }
      let shape = Array(c.shape.dropFirst())
      let name = try addLayer(
        "parameter", for: node, [("shape", .importedList(shape.map { .int($0) }))], inputs: [first.name],
        weights: ["weight": (shape, values)])
      bindLayer(node, name)
      return
    }
    let x = try tensor(node, 0)
    let source = try materialize(x, for: node)
    guard target.count == x.shape.count else {
      throw NodeFailure("`Expand` that adds axes", help: "unsqueeze the tensor before expanding it")
    }
    var sizes: [SpecValue.Kind] = []
    for (dim, size) in zip(x.shape.dropFirst(), target.dropFirst()) {
      if size == Dim(1) || size == dim {
        sizes.append(dim.staticValue.map { .int($0) } ?? .int(-1))
      } else if let value = size.staticValue {
        sizes.append(.int(value))
      } else {
        throw NodeFailure("`Expand` to a symbolic size", help: "export with static sizes")
      }
    }
    bindLayer(node, try addLayer("expand", for: node, [("shape", .importedList(sizes))], inputs: [source]))
  }

  /// `InstanceNormalization`: `instance_norm`, affine unless its scale is all
  /// ones and its bias all zeros.
  mutating func instanceNorm(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    let (scale, bias) = (try constant(node, 1, "scale"), try constant(node, 2, "bias"))
    guard let weight = scale.floats, let shift = bias.floats else {
      throw NodeFailure("`InstanceNormalization` with integer parameters", help: Self.checkHelp)
    }
    var attributes: [(name: String, value: SpecValue.Kind)] = []
    let eps = Double(node.float("epsilon", default: 1e-5))
    if Float(eps) != 1e-5 { attributes.append(("eps", .float(eps))) }
    var weights: [String: ([Int], [Float])] = [:]
    if !(weight.allSatisfy { $0 == 1 } && shift.allSatisfy { $0 == 0 }) {
      attributes.append(("affine", .bool(true)))
      weights = ["weight": ([weight.count], weight), "bias": ([shift.count], shift)]
    }
    bindLayer(node, try addLayer("instance_norm", for: node, attributes, inputs: [x], weights: weights))
  }

  /// `ConstantOfShape` of `[N, sizes...]` filled with a nonzero value: a
  /// `constant` layer, for the first input's batch.
  mutating func constantLayer(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let fail = NodeFailure("`ConstantOfShape` in a form the importer does not read", help: "export with static sizes")
    guard let target = try constant(node, 0, "shape").ints, target.first == .symbol("N"),
      case let sizes = target.dropFirst().compactMap(\.staticValue), sizes.count == target.count - 1,
      let attribute = node.attribute("value"), let first = inputs.first,
      let fill = try? ONNXTensorDecoding.decode(attribute.t, what: "fill value", path: path),
      let value = Self.uniformValue(fill)
    else { throw fail }
    let attributes: [(name: String, value: SpecValue.Kind)] = [
      ("shape", .importedList(sizes.map { .int($0) })), ("value", .float(Double(value))),
    ]
    bindLayer(node, try addLayer("constant", for: node, attributes, inputs: [first.name]))
  }

  /// `LRN` of [N, C, H, W] with an odd window: `lrn` (an even window is
  /// centred one channel differently from PyTorch's).
  mutating func localResponseNorm(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    let size = node.int("size", default: 0)
    guard size % 2 == 1 else {
      throw NodeFailure(
        "`LRN` with an even size", help: "ONNX centres an even window apart from PyTorch's LocalResponseNorm")
    }
    var attributes: [(name: String, value: SpecValue.Kind)] = [("size", .int(size))]
    for (name, onnxName, fallback) in [("alpha", "alpha", Float(1e-4)), ("beta", "beta", 0.75), ("k", "bias", 1)] {
      let value = node.float(onnxName, default: fallback)
      if value != fallback { attributes.append((name, .float(Double(value)))) }
    }
    bindLayer(node, try addLayer("lrn", for: node, attributes, inputs: [x]))
  }
}
