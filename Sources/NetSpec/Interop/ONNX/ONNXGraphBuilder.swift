import ONNXProto

/// Collects the nodes and initializers of an exported graph, in order, and
/// keeps every node and tensor name unique. Parameters become initializers
/// under their NetSpec names (`conv1.weight`) the first time an op reads them,
/// so a tied parameter is stored once.
final class ONNXGraphBuilder {
  private(set) var nodes: [Onnx_NodeProto] = []
  private(set) var initializers: [Onnx_TensorProto] = []
  let graph: Graph
  /// The exported values of every parameter, by parameter id.
  let weights: [[Float]]
  /// Tensor names taken (values, parameters, constants, intermediates).
  private var names: Set<String> = []
  /// Node names taken (a separate namespace in ONNX).
  private var nodeNames: Set<String> = []
  private var storedParameters: Set<ParameterID> = []

  init(graph: Graph, weights: [[Float]]) {
    self.graph = graph
    self.weights = weights
    names.formUnion(graph.values.map(\.name))
    names.formUnion(graph.parameters.map(\.name))
  }

  /// A tensor name: `base`, or `base_1`, `base_2`, ... when taken; reserved from then on.
  func unique(_ base: String) -> String { Self.reserve(base, in: &names) }

  private static func reserve(_ base: String, in taken: inout Set<String>) -> String {
    var name = base
    var suffix = 0
    while taken.contains(name) {
      suffix += 1
      name = "\(base)_\(suffix)"
    }
    taken.insert(name)
    return name
  }

  /// Appends a node named `name` (made unique).
  func addNode(
    _ opType: String, name: String, inputs: [String], outputs: [String], attributes: [ONNXAttribute]
  ) {
    var node = Onnx_NodeProto()
    node.opType = opType
    node.name = Self.reserve(name, in: &nodeNames)
    node.input = inputs
    node.output = outputs
    node.attribute = attributes.map(\.proto)
    nodes.append(node)
  }

  /// True when a node is named `name`.
  func hasNode(named name: String) -> Bool { nodeNames.contains(name) }

  /// Stores parameter `id` as an initializer (once) and returns its name.
  func parameter(_ id: ParameterID) -> String {
    let parameter = graph.parameters[id]
    if storedParameters.insert(id).inserted {
      initializers.append(ONNXTensorEncoding.tensor(parameter.name, floats: weights[id], shape: parameter.shape))
    }
    return parameter.name
  }

  /// Stores a float32 constant under a unique name based on `name`.
  func constant(_ name: String, floats: [Float], shape: [Int]) -> String {
    let unique = unique(name)
    initializers.append(ONNXTensorEncoding.tensor(unique, floats: floats, shape: shape))
    return unique
  }

  /// Stores an int64 constant under a unique name based on `name`.
  func constant(_ name: String, int64s: [Int64], shape: [Int]) -> String {
    let unique = unique(name)
    initializers.append(ONNXTensorEncoding.tensor(unique, int64s: int64s, shape: shape))
    return unique
  }
}
