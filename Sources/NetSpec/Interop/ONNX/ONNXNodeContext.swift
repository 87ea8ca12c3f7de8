/// What an op's ``ONNXExportable/exportONNX(_:)`` sees of its node: the
/// tensor names and shapes of its inputs and outputs, its parameters, and
/// the builder it adds nodes and constants to. The first node an op adds is
/// named after the layer (`conv1`), the others `conv1/<OpType>`; intermediate
/// tensors and constants are named `conv1/<what>`.
struct ONNXNodeContext {
  let builder: ONNXGraphBuilder
  /// The layer's name (or `layer/activation` for a fused activation).
  let name: String
  let node: Node
  let inputs: [String]
  let outputs: [String]
  let inputTypes: [TensorType]
  let outputTypes: [TensorType]

  /// Adds a node; the first one the op adds carries the layer's name.
  func add(_ opType: String, _ inputs: [String], _ outputs: [String], _ attributes: [ONNXAttribute] = []) {
    let nodeName = builder.hasNode(named: name) ? "\(name)/\(opType)" : name
    builder.addNode(opType, name: nodeName, inputs: inputs, outputs: outputs, attributes: attributes)
  }

  /// A fresh intermediate tensor name, `layer/<what>`.
  func temporary(_ what: String) -> String { builder.unique("\(name)/\(what)") }

  /// The id of the node's parameter (or buffer) `local` (`weight`, `running_mean`).
  func parameterID(_ local: String) -> ParameterID {
    guard let entry = (node.parameters + node.buffers).first(where: { $0.name == local }) else {
      preconditionFailure("`\(node.name)` has no parameter `\(local)`")
    }
    return entry.id
  }

  /// The initializer of parameter `local`, under its NetSpec name (`conv1.weight`).
  func parameter(_ local: String) -> String { builder.parameter(parameterID(local)) }

  /// The exported values of parameter `local`, for ops that store it re-laid-out.
  func weights(_ local: String) -> [Float] { builder.weights[parameterID(local)] }

  /// A float32 constant named `layer/<what>`.
  func constant(_ what: String, _ values: [Float], shape: [Int]) -> String {
    builder.constant("\(name)/\(what)", floats: values, shape: shape)
  }

  /// A float32 scalar constant named `layer/<what>`.
  func scalar(_ what: String, _ value: Float) -> String { constant(what, [value], shape: []) }

  /// An int64 constant named `layer/<what>` (shapes, axes).
  func int64s(_ what: String, _ values: [Int]) -> String {
    builder.constant("\(name)/\(what)", int64s: values.map(Int64.init), shape: [values.count])
  }

  /// Where a layer with a fused `activation` writes its linear result: its
  /// output, or an intermediate that ``activate(_:from:)`` then reads.
  func preactivation(_ activation: Activation?) -> String {
    activation == nil ? outputs[0] : temporary("linear")
  }

  /// The fused `activation` as the nodes of its own op (at its defaults),
  /// from `preactivation` to the output: `conv1/relu`.
  func activate(_ activation: Activation?, from preactivation: String) throws(ONNXUnsupported) {
    guard let activation else { return }
    guard let type = OpRegistry.op(named: activation.rawValue) else {
      preconditionFailure("activation `\(activation.rawValue)` is not an op")
    }
    let op = type.init(Attributes(type.schema))
    guard let exportable = op as? any ONNXExportable else {
      throw ONNXUnsupported(
        "the activation `\(activation.rawValue)` has no ONNX form", attribute: "activation",
        help: "use another activation")
    }
    let context = ONNXNodeContext(
      builder: builder, name: "\(name)/\(activation.rawValue)", node: node, inputs: [preactivation],
      outputs: [outputs[0]], inputTypes: [outputTypes[0]], outputTypes: [outputTypes[0]])
    try exportable.exportONNX(context)
  }

  /// `x W^T (+ b)` over the last axis, W `[out, in]` as PyTorch's `Linear`:
  /// one Gemm for a 2-D `x`, else MatMul with the transposed weight and Add.
  func linear(_ x: String, rank: Int, weight: String, bias: String?, output: String) {
    if rank == 2 {
      add("Gemm", [x, weight] + (bias.map { [$0] } ?? []), [output], [.int("transB", 1)])
      return
    }
    let transposed = builder.unique("\(weight)/transposed")
    let product = bias == nil ? output : temporary("matmul")
    builder.addNode(
      "Transpose", name: "\(name)/Transpose", inputs: [weight], outputs: [transposed], attributes: [])
    add("MatMul", [x, transposed], [product])
    if let bias { add("Add", [product, bias], [output]) }
  }
}
