import ONNXProto

/// The patterns that become NetSpec layers: Gemm and MatMul(+Add) as `dense`,
/// Conv as `conv2d`, normalizations, pooling, activations (fused into the
/// layer before when that layer's output has no other reader), merges, and
/// shape views.
extension ONNXTranslator {
  /// Translates one node that does not fold, binding its outputs.
  mutating func translate(_ node: Onnx_NodeProto) throws(NodeFailure) {
    switch node.opType {
    case "Identity", "Dropout":
      guard let input = try binding(node, 0) else {
        throw NodeFailure("`\(node.opType)` without input", help: Self.checkHelp)
      }
      bind(node, [input])
    case "Gemm": try gemm(node)
    case "MatMul": try matMul(node)
    case "Add": try add(node)
    case "Sub", "Mul", "Div": try elementwise(node)
    case "Exp", "Log", "Sqrt", "Neg", "Abs": try unary(node)
    case "Pow": try power(node)
    case "ReduceSum", "ReduceMean", "ReduceMax": try reduction(node)
    case "Conv", "ConvTranspose": try convolution(node)
    case "BatchNormalization": try batchNorm(node)
    case "LayerNormalization": try layerNorm(node)
    case "InstanceNormalization": try instanceNorm(node)
    case "LRN": try localResponseNorm(node)
    case "MaxPool", "AveragePool": try pool(node)
    case "Resize": try resize(node)
    case "Pad": try pad(node)
    case "DepthToSpace": try depthToSpace(node)
    case "Split": try split(node)
    case "Slice": try sliceLayers(node)
    case "Expand": try expand(node)
    case "ConstantOfShape": try constantLayer(node)
    case "GlobalAveragePool":
      let x = try materialize(try tensor(node, 0), for: node)
      let name = try addLayer("global_avgpool", for: node, [], inputs: [x])
      bind(node, [.tensor(ImportedTensor(source: name, shape: shapes[x]!.prefix(2) + [Dim(1), Dim(1)]))])
    case "Concat":
      if case .tensor(let first)? = try binding(node, 0), case .finalState = first.layout {
        return try concatStates(node)
      }
      var inputs: [String] = []
      for i in node.input.indices { inputs.append(try materialize(try tensor(node, i), for: node)) }
      bindLayer(node, try addLayer("concat", for: node, [("axis", .int(node.int("axis", default: 1)))], inputs: inputs))
    case "Flatten", "Reshape", "Squeeze", "Unsqueeze": try view(node)
    case "Transpose": try transpose(node)
    case "Gather": try gather(node)
    case "LSTM", "GRU": try recurrent(node)
    default:
      guard let activation = try activation(node) else { throw Self.unknown(node) }
      try activate(node, activation)
    }
  }

  /// The op types ``translate(_:)`` handles (in some form).
  static let translated: Set<String> = [
    "Identity", "Dropout", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Exp", "Log", "Sqrt", "Neg", "Abs", "Pow",
    "ReduceSum", "ReduceMean", "ReduceMax", "Conv", "ConvTranspose", "BatchNormalization", "LayerNormalization",
    "InstanceNormalization", "LRN", "MaxPool", "AveragePool", "GlobalAveragePool", "Resize", "Pad", "DepthToSpace",
    "Split",
    "Slice", "Expand", "ConstantOfShape", "Concat", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Gather",
    "LSTM", "GRU",
    "Relu", "Sigmoid", "Tanh", "Selu", "Mish", "HardSwish", "HardSigmoid", "Softplus", "LeakyRelu", "Elu", "Gelu",
    "Clip", "Softmax",
  ]

  /// The failure for an op type the importer does not know.
  static func unknown(_ node: Onnx_NodeProto) -> NodeFailure {
    NodeFailure("unsupported ONNX op `\(node.opType)`", help: supportedHelp)
  }

  static let supportedHelp =
    "netspec import reads the ops of docs/INTEROP.md's import table (convolutions, pooling, normalizations, arithmetic, reductions, shape ops, recurrent layers, activations) and constant shape computations"

  private mutating func gemm(_ node: Onnx_NodeProto) throws(NodeFailure) {
    guard node.int("transA", default: 0) == 0, node.float("alpha", default: 1) == 1, node.float("beta", default: 1) == 1
    else { throw NodeFailure("`Gemm` with transA, alpha or beta", help: "export a plain linear layer") }
    let x = try materialize(try tensor(node, 0), for: node)
    let b = try constant(node, 1, "weight")
    guard b.shape.count == 2, let values = b.floats else {
      throw NodeFailure("`Gemm` with a weight that is not a float matrix", help: "export a plain linear layer")
    }
    let weight = node.int("transB", default: 0) == 1 ? (b.shape, values) : transposed(b.shape, values)
    let units = weight.0[0]
    var weights = ["weight": weight]
    if let c = try binding(node, 2) {
      guard case .constant(let bias) = c, let biasValues = bias.floats, bias.count == units || bias.count == 1 else {
        throw NodeFailure("`Gemm` with a bias that is not a vector of its units", help: "export a plain linear layer")
      }
      weights["bias"] = ([units], bias.count == units ? biasValues : Array(repeating: biasValues[0], count: units))
    }
    let attributes: [(name: String, value: SpecValue.Kind)] =
      [("units", .int(units))] + (weights["bias"] == nil ? [("bias", .bool(false))] : [])
    bindLayer(node, try addLayer("dense", for: node, attributes, inputs: [x], weights: weights))
  }

  private func transposed(_ shape: [Int], _ values: [Float]) -> ([Int], [Float]) {
    let (rows, columns) = (shape[0], shape[1])
    var result = [Float](repeating: 0, count: values.count)
    for r in 0..<rows { for c in 0..<columns { result[c * rows + r] = values[r * columns + c] } }
    return ([columns, rows], result)
  }

  /// `MatMul(x, W)` with a constant `[in, units]` weight: a `dense` without
  /// bias, which a following `Add` of a `[units]` constant completes
  /// (constant matrices that pool, ``adaptiveRows(_:)``, excepted).
  private mutating func matMul(_ node: Onnx_NodeProto) throws(NodeFailure) {
    if case .constant? = try binding(node, 0) { return try adaptiveRows(node) }
    let input = try tensor(node, 0)
    if case .constant(let w)? = try binding(node, 1), try adaptiveColumns(node, input, w) { return }
    let x = try materialize(input, for: node)
    guard case .constant(let w)? = try binding(node, 1) else { return try activationProduct(node) }
    guard w.shape.count == 2, let values = w.floats else {
      throw NodeFailure("`MatMul` with a weight that is not a float matrix", help: "export a linear layer")
    }
    let weight = transposed(w.shape, values)
    bindLayer(
      node,
      try addLayer(
        "dense", for: node, [("units", .int(weight.0[0])), ("bias", .bool(false))], inputs: [x],
        weights: ["weight": weight]))
  }

  /// `Add`: the bias of the `dense` or `conv2d` right before it, else
  /// ``elementwise(_:)`` (a residual `add`, a scalar, a constant tensor).
  private mutating func add(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let (a, b) = (try binding(node, 0), try binding(node, 1))
    if case .tensor? = a, case .tensor? = b { return try elementwise(node) }
    if case .tensor(let x)? = a, case .leadingRows(let table, let rows)? = b {
      return try positionalEncoding(node, x, table, rows: rows)
    }
    let (tensorIndex, biasIndex) = if case .tensor = a { (0, 1) } else { (1, 0) }
    let x = try tensor(node, tensorIndex)
    let bias = try constant(node, biasIndex, "bias")
    guard let index = soleProducer(of: x, value: node.input[tensorIndex]),
      ["dense", "conv2d"].contains(layers[index].op), layers[index]["bias"] == .bool(false),
      layers[index]["activation"] == nil, let values = bias.floats
    else { return try elementwise(node) }
    let units = layers[index].weights["weight"]!.shape[0]
    guard bias.count == units, bias.shape.last == units || (bias.shape.count == 3 && bias.shape[0] == units) else {
      return try elementwise(node)
    }
    layers[index]["bias"] = nil
    layers[index].weights["bias"] = NamedTensor(name: "bias", shape: [units], values: values)
    bind(node, [.tensor(x)])
  }

  private mutating func batchNorm(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    var weights: [String: ([Int], [Float])] = [:]
    for (i, name) in [(1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var")] {
      let value = try constant(node, i, name)
      guard let floats = value.floats else {
        throw NodeFailure("`BatchNormalization` with integer statistics", help: Self.checkHelp)
      }
      weights[name] = ([value.count], floats)
    }
    var attributes: [(name: String, value: SpecValue.Kind)] = []
    let eps = Double(node.float("epsilon", default: 1e-5))
    if Float(eps) != 1e-5 { attributes.append(("eps", .float(eps))) }
    // ONNX keeps `momentum` of the running average; PyTorch and NetSpec 1 - that.
    let momentum = ((1 - Double(node.float("momentum", default: 0.9))) * 1e6).rounded() / 1e6
    if momentum != 0.1 { attributes.append(("momentum", .float(momentum))) }
    bindLayer(node, try addLayer("batchnorm", for: node, attributes, inputs: [x], weights: weights))
  }

  /// `LayerNormalization` from `axis` to the last axis: `layernorm`, with `axes` over several.
  private mutating func layerNorm(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let tensor = try tensor(node, 0)
    let x = try materialize(tensor, for: node)
    let rank = tensor.shape.count
    guard let axis = TensorIndexing.axis(node.int("axis", default: -1), rank: rank), axis > 0 else {
      throw NodeFailure("`LayerNormalization` over the batch axis", help: "NetSpec normalizes axes of each sample")
    }
    var weights: [String: ([Int], [Float])] = [:]
    let scale = try constant(node, 1, "scale")
    // NetSpec's weight and bias have the normalized axes' shape (ONNX broadcasts them).
    let normalized = tensor.shape[axis...].compactMap(\.staticValue)
    let shape = normalized.reduce(1, *) == scale.count ? normalized : scale.shape
    weights["weight"] = (shape, scale.floats ?? [])
    if try binding(node, 2) != nil {
      let bias = try constant(node, 2, "bias")
      weights["bias"] = (shape, bias.floats ?? [])
    } else {
      weights["bias"] = (shape, [Float](repeating: 0, count: scale.count))
    }
    let eps = Double(node.float("epsilon", default: 1e-5))
    var attributes: [(name: String, value: SpecValue.Kind)] = Float(eps) == 1e-5 ? [] : [("eps", .float(eps))]
    // From `axis` to the last: `axes` counted from the end, as PyTorch's normalized_shape.
    if axis < rank - 1 { attributes.append(("axes", .importedList((axis..<rank).map { .int($0 - rank) }))) }
    bindLayer(node, try addLayer("layernorm", for: node, attributes, inputs: [x], weights: weights))
  }

  /// `Flatten`, `Reshape`, `Squeeze` and `Unsqueeze` on a computed tensor:
  /// a new view of the same elements, materialized only if a layer needs it.
  private mutating func view(_ node: Onnx_NodeProto) throws(NodeFailure) {
    var x = try tensor(node, 0)
    if case .rows = x.layout { x = ImportedTensor(source: try materialize(x, for: node), shape: x.shape) }
    if x.layout != .batchMajor {
      try recurrentView(node, x)
      return
    }
    if let state = try stateView(node, x) {
      bind(node, [.tensor(state)])
      return
    }
    let shape = x.shape
    let fail = NodeFailure("`\(node.opType)` in a form the importer does not read", help: "export with static sizes")
    var target: Shape
    switch node.opType {
    case "Flatten":
      guard let axis = TensorIndexing.axis(node.int("axis", default: 1), rank: shape.count + 1), axis >= 1,
        let inner = Array(shape[axis...]).elementCount, let outer = Array(shape[..<axis]).elementCount
      else { throw fail }
      target = [outer, inner]
    case "Reshape":
      guard let ints = try constant(node, 1, "shape").ints else { throw fail }
      target = []
      for (i, dim) in ints.enumerated() {
        target.append(dim == Dim(0) && i < shape.count ? shape[i] : dim)
      }
      if let unknown = target.firstIndex(of: Dim(-1)) {
        let known = target.enumerated().filter { $0.offset != unknown }.map(\.element).elementCount
        guard let total = shape.elementCount, let known, let rest = total.divided(by: known) else { throw fail }
        target[unknown] = rest
      }
    default:
      let axesInput = try binding(node, 1)
      var axes = node.ints("axes")
      if case .constant(let value)? = axesInput { axes = value.staticInts }
      let rank = node.opType == "Squeeze" ? shape.count : shape.count + (axes?.count ?? 0)
      let resolved = (axes ?? shape.indices.filter { shape[$0] == Dim(1) }).compactMap {
        TensorIndexing.axis($0, rank: rank)
      }
      target = shape
      if node.opType == "Squeeze" {
        target = shape.indices.filter { !resolved.contains($0) }.map { shape[$0] }
      } else {
        for axis in resolved.sorted() { target.insert(Dim(1), at: axis) }
      }
    }
    guard target.elementCount == shape.elementCount, target.first == shape.first else {
      throw NodeFailure(
        "`\(node.opType)` that changes the batch axis", help: "NetSpec reshapes keep the batch axis first")
    }
    x.shape = target
    x.viewNode = node.name
    bind(node, [.tensor(x)])
  }

  /// `Transpose`: `[1, 0, 2]` swaps into and out of the time-major layout of
  /// recurrent ops; a permutation that keeps the batch axis first is a
  /// `transpose` layer.
  private mutating func transpose(_ node: Onnx_NodeProto) throws(NodeFailure) {
    var x = try tensor(node, 0)
    let perm = node.ints("perm") ?? Array(x.shape.indices.reversed())
    if let view = try stateTranspose(node, x, perm: perm) {
      bind(node, [.tensor(view)])
      return
    }
    if perm == [1, 0, 2], x.layout == .batchMajor || x.layout == .timeMajor {
      let source = try x.layout == .batchMajor ? materialize(x, for: node) : x.source
      x = ImportedTensor(
        source: source, shape: [x.shape[1], x.shape[0], x.shape[2]],
        layout: x.layout == .batchMajor ? .timeMajor : .batchMajor)
      bind(node, [.tensor(x)])
      return
    }
    guard perm.first == 0, perm.sorted() == Array(x.shape.indices) else {
      throw NodeFailure("`Transpose` that moves the batch axis", help: "NetSpec keeps the batch axis first")
    }
    let source = try materialize(x, for: node)
    let attributes: [(name: String, value: SpecValue.Kind)] = [("perm", .importedList(perm.map { .int($0) }))]
    bindLayer(node, try addLayer("transpose", for: node, attributes, inputs: [source]))
  }

  /// An element-wise activation, fused into the `dense` or `conv2d` before it
  /// when that layer has no activation yet, its output no other reader and the
  /// activation is one a layer fuses at these settings; else its own layer.
  /// The activation reads `input`, the ONNX value `value` (by default the node's first input), which
  /// the activation's nodes read `readers` times.
  mutating func activate(
    _ node: Onnx_NodeProto,
    _ activation: (op: String, attributes: [(name: String, value: SpecValue.Kind)], fused: String?),
    input: ImportedTensor? = nil, value: String? = nil, readers: Int = 1
  ) throws(NodeFailure) {
    let x: ImportedTensor
    if let input { x = input } else { x = try tensor(node, 0) }
    if let fused = activation.fused, let index = soleProducer(of: x, value: value ?? node.input[0], readers: readers),
      Self.fusingLayers.contains(layers[index].op), layers[index]["activation"] == nil
    {
      layers[index]["activation"] = .string(fused)
      bind(node, [.tensor(x)])
      return
    }
    let source = try materialize(x, for: node)
    bindLayer(node, try addLayer(activation.op, for: node, activation.attributes, inputs: [source]))
  }

  /// The NetSpec op for an element-wise ONNX activation: its attributes, and
  /// the `activation:` name a layer fuses it as (nil when not at those settings).
  func activation(_ node: Onnx_NodeProto) throws(NodeFailure) -> (
    op: String, attributes: [(name: String, value: SpecValue.Kind)], fused: String?
  )? {
    switch node.opType {
    case "Relu": return ("relu", [], "relu")
    case "Sigmoid": return ("sigmoid", [], "sigmoid")
    case "Tanh": return ("tanh", [], "tanh")
    case "Selu": return ("selu", [], "selu")
    case "Mish": return ("mish", [], "mish")
    case "HardSwish": return ("hardswish", [], "hardswish")
    case "HardSigmoid":
      guard abs(node.float("alpha", default: 0.2) - 1.0 / 6) < 1e-6, node.float("beta", default: 0.5) == 0.5 else {
        throw NodeFailure(
          "`HardSigmoid` with alpha other than 1/6 or beta other than 1/2",
          help: "NetSpec's hardsigmoid is relu6(x + 3) / 6")
      }
      return ("hardsigmoid", [], "hardsigmoid")
    case "Clip":
      // Opset 11 on: the bounds are inputs; before, attributes.
      var bounds = [node.float("min", default: -.infinity), node.float("max", default: .infinity)]
      for i in 0..<2 {
        guard let value = try binding(node, i + 1) else { continue }
        guard case .constant(let c) = value, let v = Self.uniformValue(c), c.count == 1 else {
          throw NodeFailure("`Clip` with computed bounds", help: "export constant bounds")
        }
        bounds[i] = v
      }
      if bounds == [0, 6] { return ("relu6", [], "relu6") }
      if bounds == [0, .infinity] { return ("relu", [], "relu") }
      guard bounds.allSatisfy(\.isFinite) else {
        throw NodeFailure("`Clip` with one bound only", help: "NetSpec clips with relu6 and hardtanh (both bounds)")
      }
      return bounds == [-1, 1]
        ? ("hardtanh", [], "hardtanh")
        : ("hardtanh", [("min_val", .float(Double(bounds[0]))), ("max_val", .float(Double(bounds[1])))], nil)
    case "Softplus": return ("softplus", [], "softplus")
    case "LeakyRelu":
      let slope = node.float("alpha", default: 0.01)
      return slope == 0.01 ? ("leaky_relu", [], "leaky_relu") : ("leaky_relu", [("slope", .float(Double(slope)))], nil)
    case "Elu":
      let alpha = node.float("alpha", default: 1)
      return alpha == 1 ? ("elu", [], "elu") : ("elu", [("alpha", .float(Double(alpha)))], nil)
    case "Gelu":
      return node.string("approximate", default: "none") == "tanh"
        ? ("gelu", [], "gelu") : ("gelu", [("approximate", .string("none"))], nil)
    case "Softmax":
      let axis = node.int("axis", default: -1)
      return ("softmax", axis == -1 ? [] : [("axis", .int(axis))], nil)
    default: return nil
    }
  }
}
