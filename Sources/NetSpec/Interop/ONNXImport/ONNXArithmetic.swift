import ONNXProto

/// Element-wise arithmetic, element-wise functions and reductions on computed
/// tensors: `Add`/`Sub`/`Mul`/`Div` as NetSpec's broadcasting `add`,
/// `subtract`, `multiply` and `divide` (a one-value constant as their
/// `scalar`, another constant as a `parameter` layer holding it), `Exp`,
/// `Log`, `Sqrt`, `Neg`, `Abs`, `Mul(x, x)` and `Pow(x, 2)` as `square`,
/// `ReduceSum`/`ReduceMean`/`ReduceMax` as `sum`/`mean`/`max`, and `MatMul`
/// of two computed tensors as `matmul`.
extension ONNXTranslator {
  /// NetSpec's op for each ONNX binary arithmetic op.
  static let arithmeticOps = ["Add": "add", "Sub": "subtract", "Mul": "multiply", "Div": "divide"]

  /// NetSpec's op for each ONNX element-wise function.
  static let unaryOps = ["Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Neg": "neg", "Abs": "abs"]

  /// NetSpec's op for each ONNX reduction.
  static let reductionOps = ["ReduceSum": "sum", "ReduceMean": "mean", "ReduceMax": "max"]

  /// `Add`, `Sub`, `Mul` or `Div` with at least one computed operand.
  mutating func elementwise(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let op = Self.arithmeticOps[node.opType]!
    let (a, b) = (try binding(node, 0), try binding(node, 1))
    switch (a, b) {
    case (.tensor(let x)?, .tensor(let y)?):
      let first = try materialize(x, for: node)
      if node.opType == "Mul", node.input[0] == node.input[1] {
        bindLayer(node, try addLayer("square", for: node, [], inputs: [first]))
        return
      }
      bindLayer(node, try addLayer(op, for: node, [], inputs: [first, try materialize(y, for: node)]))
    case (.tensor(let x)?, .constant(let c)?):
      if node.opType == "Mul", let value = Self.uniformValue(c), c.count == 1,
        embeddingScale(node, x, value: node.input[0], by: value)
      {
        return
      }
      let source = try materialize(x, for: node)
      if let value = Self.uniformValue(c), Self.keepsShape(c.shape, x.shape) {
        bindLayer(node, try addLayer(op, for: node, [("scalar", .float(Double(value)))], inputs: [source]))
        return
      }
      let parameter = try parameterLayer(c, like: x, for: node)
      bindLayer(node, try addLayer(op, for: node, [], inputs: [source, parameter]))
    case (.constant(let c)?, .tensor(let x)?):
      let source = try materialize(x, for: node)
      if let value = Self.uniformValue(c), Self.keepsShape(c.shape, x.shape) {
        switch node.opType {
        case "Add", "Mul":
          bindLayer(node, try addLayer(op, for: node, [("scalar", .float(Double(value)))], inputs: [source]))
          return
        case "Sub":
          // c - x = -x + c.
          var negation = node
          negation.name = node.name + "/neg"
          let negated = try addLayer("neg", for: negation, [], inputs: [source])
          bindLayer(node, try addLayer("add", for: node, [("scalar", .float(Double(value)))], inputs: [negated]))
          return
        default: break
        }
      }
      let parameter = try parameterLayer(c, like: x, for: node)
      bindLayer(node, try addLayer(op, for: node, [], inputs: [parameter, source]))
    default:
      throw NodeFailure("`\(node.opType)` without two operands", help: Self.checkHelp)
    }
  }

  /// Whether broadcasting a constant of `shape` against `x` leaves `x`'s shape as it is.
  static func keepsShape(_ shape: [Int], _ x: Shape) -> Bool {
    guard shape.count <= x.count else { return false }
    return zip(shape.reversed(), x.reversed()).allSatisfy { size, dim in size == 1 || dim == Dim(size) }
  }

  /// The one value every element of `c` holds, if it has one.
  static func uniformValue(_ c: ONNXConstant) -> Float? {
    guard let values = c.floats, let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
    return first
  }

  /// A `parameter` layer holding the constant `c`, shaped to broadcast
  /// against `x` as ONNX does: `[N, 1..., c's shape]` (c's own leading 1 dropped).
  private mutating func parameterLayer(_ c: ONNXConstant, like x: ImportedTensor, for node: Onnx_NodeProto)
    throws(NodeFailure) -> String
  {
    var shape = c.shape
    if shape.count == x.shape.count, shape.first == 1 { shape.removeFirst() }
    guard shape.count < x.shape.count, let values = c.floats else {
      throw NodeFailure(
        "`\(node.opType)` of a constant that varies along the batch axis",
        help: "NetSpec's constants and parameters are the same for every sample")
    }
    shape = [Int](repeating: 1, count: x.shape.count - 1 - shape.count) + shape
    var holder = Onnx_NodeProto()
    holder.name = node.name + "/constant"
    holder.opType = "Constant"
    return try addLayer(
      "parameter", for: holder, [("shape", .importedList(shape.map { .int($0) }))],
      inputs: [try materialize(x, for: node)], weights: ["weight": (shape, values)])
  }

  /// `Exp`, `Log`, `Sqrt`, `Neg` or `Abs` of a computed tensor.
  mutating func unary(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    bindLayer(node, try addLayer(Self.unaryOps[node.opType]!, for: node, [], inputs: [x]))
  }

  /// `Pow(x, 2)`: `square`.
  mutating func power(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    guard let exponent = Self.uniformValue(try constant(node, 1, "exponent")), exponent == 2 else {
      throw NodeFailure("`Pow` with an exponent other than 2", help: "NetSpec has `square` and `sqrt` only")
    }
    bindLayer(node, try addLayer("square", for: node, [], inputs: [x]))
  }

  /// `ReduceSum`, `ReduceMean` or `ReduceMax` over axes other than the batch axis.
  mutating func reduction(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let tensor = try tensor(node, 0)
    let x = try materialize(tensor, for: node)
    // ReduceSum takes its axes as an input from opset 13, the others from opset 18.
    var axes = node.ints("axes")
    if let input = try binding(node, 1) {
      guard case .constant(let value) = input, let ints = value.staticInts else {
        throw NodeFailure("`\(node.opType)` with computed axes", help: "export with constant axes")
      }
      axes = ints
    }
    let rank = tensor.shape.count
    let resolved = (axes ?? (node.int("noop_with_empty_axes", default: 0) == 1 ? [] : Array(0..<rank)))
      .compactMap { TensorIndexing.axis($0, rank: rank) }
    guard !resolved.isEmpty, !resolved.contains(0) else {
      throw NodeFailure(
        "`\(node.opType)` over the batch axis (or over no axis)", help: "NetSpec reduces axes of each sample")
    }
    let attributes: [(name: String, value: SpecValue.Kind)] = [
      ("axes", .importedList(resolved.map { .int($0) })),
      ("keepdims", .bool(node.int("keepdims", default: 1) == 1)),
    ]
    bindLayer(node, try addLayer(Self.reductionOps[node.opType]!, for: node, attributes, inputs: [x]))
  }

  /// `MatMul` of two computed tensors: `matmul`.
  mutating func activationProduct(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let a = try materialize(try tensor(node, 0), for: node)
    let b = try materialize(try tensor(node, 1), for: node)
    bindLayer(node, try addLayer("matmul", for: node, [], inputs: [a, b]))
  }
}
