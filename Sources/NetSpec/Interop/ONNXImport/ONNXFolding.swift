import ONNXProto

/// Constant folding: the shape computations exporters emit (`Shape`,
/// `Gather`, `Unsqueeze`, `Concat`, `Cast`, `Slice`, arithmetic) evaluated at
/// import time, with the batch size as the symbol `N`.
extension ONNXTranslator {
  /// The ops folded when their inputs are known.
  static let foldable: Set<String> = [
    "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Reshape", "Add", "Sub",
    "Mul", "Div", "Mod", "Neg", "Sqrt", "ConstantOfShape", "Identity", "Transpose", "Flatten",
  ]

  /// The node's outputs when it folds (every input known, or `Shape` of a
  /// computed tensor); nil when it is a computation for the model to run.
  func fold(_ node: Onnx_NodeProto) throws(NodeFailure) -> [ONNXBinding]? {
    guard Self.foldable.contains(node.opType) else { return nil }
    if node.opType == "Constant" { return [.constant(try constantValue(node))] }
    if node.opType == "Shape", case .tensor(let tensor)? = try binding(node, 0) {
      return [.constant(ONNXConstant(ints: slice(tensor.shape, node)))]
    }
    var values: [ONNXConstant?] = []
    for i in node.input.indices {
      switch try binding(node, i) {
      case nil: values.append(nil)
      case .constant(let value): values.append(value)
      case .zeros where node.opType == "Slice" && i == 0: return [.zeros]
      default: return nil
      }
    }
    guard let x = values.first ?? nil else { return nil }
    if node.opType == "Slice", let rows = Self.leadingRows(x, Array(values.dropFirst())) { return [rows] }
    if node.opType == "ConstantOfShape" { return try constantOfShape(node, x).map { [$0] } }
    return [.constant(try evaluate(node, x, Array(values.dropFirst())))]
  }

  /// `ConstantOfShape`: a constant when the shape is static, else zeros of a
  /// batch-dependent shape (a recurrent op's initial state); nil for another
  /// fill of a batch-dependent shape (a `constant` layer, ``constantLayer(_:)``).
  private func constantOfShape(_ node: Onnx_NodeProto, _ shape: ONNXConstant) throws(NodeFailure) -> ONNXBinding? {
    let fail = NodeFailure("`ConstantOfShape` in a form the importer does not fold", help: "export with static sizes")
    var fill = ONNXConstant(shape: [], .floats([0]))
    if let attribute = node.attribute("value") {
      do { fill = try ONNXTensorDecoding.decode(attribute.t, what: "fill value", path: path) } catch { throw fail }
    }
    guard shape.ints != nil, fill.count == 1 else { throw fail }
    guard let sizes = shape.staticInts else { return fill.isZero ? .zeros : nil }
    guard let count = TensorIndexing.count(sizes) else { throw fail }
    return .constant(fill.picking([Int](repeating: 0, count: count), shape: sizes))
  }

  /// `Shape`'s optional `start`/`end` (opset 15).
  private func slice(_ shape: Shape, _ node: Onnx_NodeProto) -> [Dim] {
    let rank = shape.count
    func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
    let start = clamp(node.int("start", default: 0))
    let end = clamp(node.int("end", default: rank))
    return start < end ? Array(shape[start..<end]) : []
  }

  private func constantValue(_ node: Onnx_NodeProto) throws(NodeFailure) -> ONNXConstant {
    if let attribute = node.attribute("value") {
      do { return try ONNXTensorDecoding.decode(attribute.t, what: "constant", path: path) } catch {
        throw NodeFailure("`Constant` whose tensor cannot be read", help: error.diagnostics[0].message)
      }
    }
    if let value = node.attribute("value_float") { return ONNXConstant(shape: [], .floats([value.f])) }
    if let value = node.attribute("value_floats") {
      return ONNXConstant(shape: [value.floats.count], .floats(value.floats))
    }
    if let value = node.attribute("value_int") { return ONNXConstant(ints: [Dim(Int(value.i))], shape: []) }
    if let value = node.attribute("value_ints") { return ONNXConstant(ints: value.ints.map { Dim(Int($0)) }) }
    throw NodeFailure("`Constant` without a tensor, float or int value", help: "export numeric constants")
  }

  /// A static integer list input (axes, indices, shape), or a failure.
  private func staticInts(_ value: ONNXConstant?, _ node: Onnx_NodeProto, _ what: String) throws(NodeFailure) -> [Int]?
  {
    guard let value else { return nil }
    guard let ints = value.staticInts else {
      throw NodeFailure("`\(node.opType)` with a symbolic \(what)", help: "export with static sizes")
    }
    return ints
  }

  private func evaluate(_ node: Onnx_NodeProto, _ x: ONNXConstant, _ rest: [ONNXConstant?]) throws(NodeFailure)
    -> ONNXConstant
  {
    let fail = NodeFailure(
      "`\(node.opType)` on constants in a form the importer does not fold", help: "fold constants before exporting")
    switch node.opType {
    case "Identity": return x
    case "Shape": return ONNXConstant(ints: slice(x.shape.map { Dim($0) }, node))
    case "Cast":
      switch node.int("to", default: 1) {
      case 1, 10, 11:
        guard let floats = x.floats else { throw fail }
        return ONNXConstant(shape: x.shape, .floats(floats))
      default:
        if let ints = x.ints { return ONNXConstant(ints: ints, shape: x.shape) }
        let floats = x.floats!
        guard floats.allSatisfy({ $0.isFinite && abs($0) < Float(Dim.limit) }) else { throw fail }
        return ONNXConstant(ints: floats.map { Dim(Int($0)) }, shape: x.shape)
      }
    case "Unsqueeze":
      guard let axes = try staticInts(rest.first ?? nil, node, "axes") ?? node.ints("axes") else { throw fail }
      var shape = x.shape
      let rank = shape.count + axes.count
      for axis in axes.map({ $0 < 0 ? $0 + rank : $0 }).sorted() {
        guard (0...shape.count).contains(axis) else { throw fail }
        shape.insert(1, at: axis)
      }
      return x.reshaped(shape)
    case "Squeeze":
      let axes = try staticInts(rest.first ?? nil, node, "axes") ?? node.ints("axes")
      let drop = Set((axes ?? x.shape.indices.filter { x.shape[$0] == 1 }).map { $0 < 0 ? $0 + x.shape.count : $0 })
      return x.reshaped(x.shape.indices.filter { !drop.contains($0) }.map { x.shape[$0] })
    case "Reshape", "Flatten":
      if node.opType == "Flatten" {
        guard let axis = TensorIndexing.axis(node.int("axis", default: 1), rank: x.shape.count + 1) else { throw fail }
        return x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])
      }
      guard var target = try staticInts(rest.first ?? nil, node, "shape") else { throw fail }
      for i in target.indices where target[i] == 0 && i < x.shape.count { target[i] = x.shape[i] }
      if let unknown = target.firstIndex(of: -1) {
        guard let known = TensorIndexing.count(target.filter { $0 != -1 }), known > 0 else { throw fail }
        target[unknown] = x.count / known
      }
      guard TensorIndexing.count(target) == x.count else { throw fail }
      return x.reshaped(target)
    case "Gather":
      guard let indices = rest.first ?? nil, let picks = indices.staticInts,
        let axis = TensorIndexing.axis(node.int("axis", default: 0), rank: x.shape.count)
      else { throw fail }
      let size = x.shape[axis]
      let resolved = picks.map { $0 < 0 ? $0 + size : $0 }
      guard resolved.allSatisfy({ (0..<size).contains($0) }) else { throw fail }
      let shape = Array(x.shape[..<axis]) + indices.shape + Array(x.shape[(axis + 1)...])
      let strides = TensorIndexing.strides(x.shape)
      let flat = TensorIndexing.indices(shape).map { index -> Int in
        var source =
          Array(index[..<axis]) + [
            resolved[indexInto(indices.shape, Array(index[axis..<(axis + indices.shape.count)]))]
          ]
        source += index[(axis + indices.shape.count)...]
        return zip(source, strides).map(*).reduce(0, +)
      }
      return x.picking(flat, shape: shape)
    case "Concat":
      let parts = [x] + rest.compactMap { $0 }
      guard let axis = TensorIndexing.axis(node.int("axis", default: 0), rank: x.shape.count),
        parts.allSatisfy({ part in
          part.shape.count == x.shape.count
            && part.shape.indices.allSatisfy { $0 == axis || part.shape[$0] == x.shape[$0] }
        })
      else { throw fail }
      var shape = x.shape
      shape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
      var flat: [(part: Int, index: Int)] = []
      let outer = x.shape[..<axis].reduce(1, *)
      for o in 0..<outer {
        for (p, part) in parts.enumerated() {
          let inner = part.shape[axis...].reduce(1, *)
          for i in 0..<inner { flat.append((p, o * inner + i)) }
        }
      }
      if parts.allSatisfy({ $0.ints != nil }) {
        return ONNXConstant(ints: flat.map { parts[$0.part].ints![$0.index] }, shape: shape)
      }
      guard let floats = Optional(parts.compactMap(\.floats)), floats.count == parts.count else { throw fail }
      return ONNXConstant(shape: shape, .floats(flat.map { floats[$0.part][$0.index] }))
    case "Slice":
      guard let starts = try staticInts(rest.first ?? nil, node, "starts"),
        let ends = try staticInts(rest.count > 1 ? rest[1] : nil, node, "ends")
      else { throw fail }
      let axes = try staticInts(rest.count > 2 ? rest[2] : nil, node, "axes") ?? Array(starts.indices)
      let steps = try staticInts(rest.count > 3 ? rest[3] : nil, node, "steps") ?? starts.map { _ in 1 }
      guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else { throw fail }
      var ranges = x.shape.map { Array(0..<$0) }
      for (k, axis) in axes.enumerated() {
        guard let axis = TensorIndexing.axis(axis, rank: x.shape.count), steps[k] != 0 else { throw fail }
        let size = x.shape[axis]
        func clamp(_ i: Int, _ low: Int, _ high: Int) -> Int { min(max(i < 0 ? i + size : i, low), high) }
        let step = steps[k]
        let start = step > 0 ? clamp(starts[k], 0, size) : clamp(starts[k], -1, size - 1)
        let end = step > 0 ? clamp(ends[k], 0, size) : clamp(ends[k], -1, size - 1)
        ranges[axis] = Array(stride(from: start, to: end, by: step))
      }
      let strides = TensorIndexing.strides(x.shape)
      let shape = ranges.map(\.count)
      let flat = TensorIndexing.indices(shape).map { index in
        index.enumerated().map { ranges[$0.offset][$0.element] * strides[$0.offset] }.reduce(0, +)
      }
      return x.picking(flat, shape: shape)
    case "Transpose":
      let perm = node.ints("perm") ?? Array(x.shape.indices.reversed())
      guard perm.sorted() == Array(x.shape.indices) else { throw fail }
      let shape = perm.map { x.shape[$0] }
      let strides = TensorIndexing.strides(x.shape)
      let flat = TensorIndexing.indices(shape).map { index in
        index.enumerated().map { index[$0.offset] * strides[perm[$0.offset]] }.reduce(0, +)
      }
      return x.picking(flat, shape: shape)
    default:
      return try arithmetic(node, x, rest.first ?? nil, fail)
    }
  }

  /// The flat index of `index` in a tensor of `shape`.
  private func indexInto(_ shape: [Int], _ index: [Int]) -> Int {
    zip(index, TensorIndexing.strides(shape)).map(*).reduce(0, +)
  }

  /// Element-wise arithmetic with broadcasting: integers (symbolic sizes
  /// included) exactly, floats in float32.
  private func arithmetic(_ node: Onnx_NodeProto, _ a: ONNXConstant, _ b: ONNXConstant?, _ fail: NodeFailure)
    throws(NodeFailure) -> ONNXConstant
  {
    if node.opType == "Neg" || node.opType == "Sqrt" {
      if node.opType == "Neg", let ints = a.ints {
        return ONNXConstant(ints: ints.map { $0.scaled(-1)! }, shape: a.shape)
      }
      guard let floats = a.floats else { throw fail }
      return ONNXConstant(shape: a.shape, .floats(floats.map { node.opType == "Neg" ? -$0 : $0.squareRoot() }))
    }
    guard let b, let shape = TensorIndexing.broadcast(a.shape, b.shape) else { throw fail }
    let pairs = TensorIndexing.indices(shape).map {
      (TensorIndexing.source($0, in: a.shape), TensorIndexing.source($0, in: b.shape))
    }
    if let x = a.ints, let y = b.ints {
      var result: [Dim] = []
      for (i, j) in pairs {
        let (p, q) = (x[i], y[j])
        let value: Dim? =
          switch node.opType {
          case "Add": p.adding(q)
          case "Sub": p.subtracting(q)
          case "Mul": p.multiplied(by: q)
          case "Div":
            if let s = p.staticValue, let t = q.staticValue, t != 0 {
              Dim(Int((Double(s) / Double(t)).rounded(.down)))
            } else {
              p.divided(by: q)
            }
          default:
            if let s = p.staticValue, let t = q.staticValue, t != 0 { Dim(((s % t) + t) % t) } else { nil }
          }
        guard let value else { throw fail }
        result.append(value)
      }
      return ONNXConstant(ints: result, shape: shape)
    }
    guard let x = a.floats, let y = b.floats else { throw fail }
    let values = pairs.map { i, j -> Float in
      switch node.opType {
      case "Add": x[i] + y[j]
      case "Sub": x[i] - y[j]
      case "Mul": x[i] * y[j]
      case "Div": x[i] / y[j]
      default: x[i].truncatingRemainder(dividingBy: y[j])
      }
    }
    return ONNXConstant(shape: shape, .floats(values))
  }
}
