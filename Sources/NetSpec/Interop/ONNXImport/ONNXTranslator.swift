import ONNXProto

/// Why one node cannot be imported: the kind of node (reported once per kind)
/// and how to get past it.
struct NodeFailure: Error {
  var kind: String
  var help: String

  init(_ kind: String, help: String) {
    self.kind = kind
    self.help = help
  }
}

/// Walks an ONNX graph in its (topological) node order and builds the NetSpec
/// layers: constants fold, views (reshapes, transposes around recurrent ops)
/// stay lazy until a layer needs the shape, and recognized patterns become
/// layers (``ONNXTranslator/translate(_:)``).
struct ONNXTranslator {
  let path: String
  let opset: Int
  var bindings: [String: ONNXBinding] = [:]
  /// How many node inputs and graph outputs read each ONNX value.
  var uses: [String: Int] = [:]
  var layers: [ImportedLayer] = []
  /// The model inputs: NetSpec name, shape, ONNX name.
  var inputs: [(name: String, shape: Shape)] = []
  /// The shape of every NetSpec value (inputs and layer outputs).
  var shapes: [String: Shape] = [:]
  /// The element type of the NetSpec values that are not float32 (token ids).
  var dtypes: [String: DType] = [:]
  var unsupported = UnsupportedNodes()
  /// A recurrent op's `Y_h` output name -> its `Y` output name.
  var recurrentStates: [String: String] = [:]
  /// The outputs of the last ONNX node each recurrent layer stands for, by layer.
  var recurrentNodes: [String: [String]] = [:]
  /// The op types of the nodes that read each ONNX value.
  var readers: [String: [String]] = [:]
  /// Each recurrent layer's initial states, as the rows of the values they are.
  var initialStates: [String: [StateRows]] = [:]
  /// The `slice` and `select` layers made for initial states (a stack that
  /// grows replaces them).
  var stateSlices: Set<String> = []
  /// The recurrent layers whose final states are read: no layer stacks on them.
  var sealed: Set<String> = []
  /// The input preprocessing read off the model's first nodes, as standardization
  /// statistics (``readInputPreprocessing(_:)``).
  var preprocessing: Standardization?
  /// Reshape layers already made, by source and shape, so a view is materialized once.
  private var materialized: [String: String] = [:]
  private var names: Set<String> = []

  /// The help for a node that breaks the ONNX specification.
  static let checkHelp =
    "the node does not follow the ONNX specification; check the model with onnx.checker.check_model"

  init(path: String, opset: Int) {
    self.path = path
    self.opset = opset
  }

  // MARK: - Values

  /// The binding of the node's `i`th input; nil when the input is absent (empty name).
  func binding(_ node: Onnx_NodeProto, _ i: Int) throws(NodeFailure) -> ONNXBinding? {
    guard i < node.input.count, !node.input[i].isEmpty else { return nil }
    guard let binding = bindings[node.input[i]] else {
      throw NodeFailure(
        "`\(node.opType)` reading a value no node produces", help: "the graph is not in topological order")
    }
    return binding
  }

  /// The node's `i`th input as a constant, or a failure naming what it must be.
  func constant(_ node: Onnx_NodeProto, _ i: Int, _ what: String) throws(NodeFailure) -> ONNXConstant {
    guard case .constant(let value)? = try binding(node, i) else {
      throw NodeFailure(
        "`\(node.opType)` with a computed \(what)", help: "NetSpec layers take their \(what) as weights (initializers)")
    }
    return value
  }

  /// The node's `i`th input as a computed tensor.
  func tensor(_ node: Onnx_NodeProto, _ i: Int) throws(NodeFailure) -> ImportedTensor {
    guard case .tensor(let value)? = try binding(node, i) else {
      throw NodeFailure(
        "`\(node.opType)` on a constant input", help: "fold the constant computation before exporting")
    }
    return value
  }

  mutating func bind(_ node: Onnx_NodeProto, _ bindings: [ONNXBinding]) {
    for (name, binding) in zip(node.output, bindings) where !name.isEmpty { self.bindings[name] = binding }
  }

  /// Binds the node's first output to the output of layer `name`.
  mutating func bindLayer(_ node: Onnx_NodeProto, _ name: String) {
    bind(node, [.tensor(ImportedTensor(source: name, shape: shapes[name]!))])
  }

  // MARK: - Layers

  /// A spec-valid layer name for `node` (its scope path without the op-type
  /// suffix torch adds: `/conv1/Conv` is `conv1`, `/layers/layers.0/conv1/Conv`
  /// is `layers_0_conv1`), unique in the spec.
  mutating func layerName(for node: Onnx_NodeProto, op: String) -> String {
    var parts = node.name.split(separator: "/").map(String.init)
    if parts.count > 1, let last = parts.last, last.first?.isUppercase == true { parts.removeLast() }
    // torch repeats a container's name in its children's scopes: `/layers/layers.0/...`.
    parts = parts.indices.filter { i in i + 1 == parts.count || !parts[i + 1].hasPrefix(parts[i] + ".") }.map {
      parts[$0]
    }
    var name = String(parts.joined(separator: "_").map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    while name.hasPrefix("_") || name.hasSuffix("_") {
      name = String(name.trimmingCharacters(in: .init(charactersIn: "_")))
    }
    if name.isEmpty { name = op }
    if let first = name.first, !(first.isLetter && first.isASCII) { name = "\(op)_\(name)" }
    var unique = name
    var k = 2
    while names.contains(unique) {
      unique = "\(name)_\(k)"
      k += 1
    }
    names.insert(unique)
    return unique
  }

  /// Reserves an input's name.
  mutating func reserve(_ name: String) { names.insert(name) }

  /// Removes a layer nothing reads any more, and frees its name.
  mutating func removeLayer(named name: String) {
    layers.removeAll { $0.name == name }
    names.remove(name)
  }

  /// Appends a layer after running its op's shape rule on the inputs' shapes,
  /// and checks the weights against the parameters the op declares.
  @discardableResult
  mutating func addLayer(
    _ op: String, for node: Onnx_NodeProto, _ attributes: [(name: String, value: SpecValue.Kind)],
    inputs: [String], weights: [String: ([Int], [Float])] = [:], name: String? = nil
  ) throws(NodeFailure) -> String {
    let layerName = name ?? layerName(for: node, op: op)
    let (outputs, parameters) = try inferAll(op, attributes, inputs: inputs, node: node)
    var tensors: [String: NamedTensor] = [:]
    for parameter in parameters {
      guard let (shape, values) = weights[parameter.name], shape == parameter.shape, values.count == parameter.count
      else {
        let given = weights[parameter.name].map { "\($0.0)" } ?? "none"
        throw NodeFailure(
          "`\(node.opType)` whose weights do not fit NetSpec's `\(op)` (`\(parameter.name)`: \(parameter.shape) expected, \(given) found)",
          help: "this form of the op is not supported")
      }
      tensors[parameter.name] = NamedTensor(name: parameter.name, shape: shape, values: values)
    }
    layers.append(
      ImportedLayer(
        name: layerName, op: op, attributes: attributes, inputs: inputs, weights: tensors))
    shapes[layerName] = outputs[0].shape
    if outputs[0].dtype != .float32 { dtypes[layerName] = outputs[0].dtype }
    // A layer of several outputs (`split`) names them `<layer>.0`, `<layer>.1`, ...
    if outputs.count > 1 { for (k, type) in outputs.enumerated() { shapes["\(layerName).\(k)"] = type.shape } }
    return layerName
  }

  /// The op's (first) output shape and its parameters (buffers included) for these attributes and inputs.
  func infer(
    _ op: String, _ attributes: [(name: String, value: SpecValue.Kind)], inputs: [String], node: Onnx_NodeProto
  ) throws(NodeFailure) -> (Shape, [ParameterSpec]) {
    let (outputs, parameters) = try inferAll(op, attributes, inputs: inputs, node: node)
    return (outputs[0].shape, parameters)
  }

  /// The op's output types and its parameters (buffers included) for these attributes and inputs.
  func inferAll(
    _ op: String, _ attributes: [(name: String, value: SpecValue.Kind)], inputs: [String], node: Onnx_NodeProto
  ) throws(NodeFailure) -> ([TensorType], [ParameterSpec]) {
    let type = OpRegistry.op(named: op)!
    let values = Dictionary(attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    do {
      let inference = try type.init(Attributes(type.schema, values)).infer(
        inputs.map { TensorType(shapes[$0]!, dtypes[$0] ?? .float32) })
      return (inference.outputs, inference.parameters + inference.buffers)
    } catch {
      throw NodeFailure(
        "`\(node.opType)` on shapes NetSpec's `\(op)` does not take (\(error.message))",
        help: "this form of the op is not supported")
    }
  }

  /// Index of the layer whose output `tensor` is, unchanged, when the ONNX
  /// value `value` is read only once (or only by the `readers` reads of one
  /// pattern): a bias, an activation or a step may then be folded into that layer.
  func soleProducer(of tensor: ImportedTensor, value: String, readers: Int = 1) -> Int? {
    guard tensor.layout == .batchMajor, uses[value] == readers, shapes[tensor.source] == tensor.shape,
      let index = layers.lastIndex(where: { $0.name == tensor.source })
    else { return nil }
    return index
  }

  /// The NetSpec value holding `tensor` with its ONNX shape: the source itself,
  /// or a `flatten` / `reshape` layer made once per source and shape.
  mutating func materialize(_ tensor: ImportedTensor, for node: Onnx_NodeProto) throws(NodeFailure) -> String {
    if case .rows(let start) = tensor.layout { return try rowsLayer(tensor, start: start, for: node) }
    guard tensor.layout == .batchMajor else {
      throw NodeFailure(
        "`\(node.opType)` on a time-major or recurrent-state tensor",
        help: "NetSpec keeps the batch first: transpose back to [N, T, F] before this op")
    }
    let current = shapes[tensor.source]!
    if current == tensor.shape { return tensor.source }
    let key = "\(tensor.source)|\(tensor.shape.shapeDescription)"
    if let name = materialized[key] { return name }
    guard tensor.shape.first == current.first else {
      throw NodeFailure(
        "`\(node.opType)` after a reshape that moves the batch axis", help: "NetSpec reshapes keep the batch axis first"
      )
    }
    var viewNode = Onnx_NodeProto()
    viewNode.name = tensor.viewNode ?? "\(tensor.source)/Reshape"
    viewNode.opType = "Reshape"
    let name: String
    if tensor.shape.count == 2 {
      name = try addLayer("flatten", for: viewNode, [], inputs: [tensor.source])
    } else {
      // One symbolic size is written -1, which `predict` infers whatever the symbol's binding.
      let symbolic = tensor.shape.dropFirst().filter { !$0.isStatic }.count
      let target = tensor.shape.dropFirst().map { dim -> SpecValue.Kind in
        dim.staticValue.map { .int($0) } ?? (symbolic == 1 ? .int(-1) : .string(dim.description))
      }
      name = try addLayer("reshape", for: viewNode, [("shape", .importedList(target))], inputs: [tensor.source])
    }
    guard shapes[name] == tensor.shape else {
      throw NodeFailure("`Reshape` to \(tensor.shape.shapeDescription)", help: "NetSpec could not express this reshape")
    }
    materialized[key] = name
    return name
  }
}
