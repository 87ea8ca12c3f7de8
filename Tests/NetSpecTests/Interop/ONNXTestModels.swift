import Foundation
import ONNXProto

/// Small ONNX models built in code for the importer's tests.
enum ONNXTestModels {
  static func tensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Onnx_TensorProto {
    var tensor = Onnx_TensorProto()
    tensor.name = name
    tensor.dims = dims.map { Int64($0) }
    tensor.dataType = 1
    tensor.floatData = values
    return tensor
  }

  static func node(_ op: String, _ name: String, _ inputs: [String], _ outputs: [String]) -> Onnx_NodeProto {
    var node = Onnx_NodeProto()
    node.opType = op
    node.name = name
    node.input = inputs
    node.output = outputs
    return node
  }

  static func value(_ name: String, _ dims: [Int?]) -> Onnx_ValueInfoProto {
    var info = Onnx_ValueInfoProto()
    info.name = name
    var type = Onnx_TypeProto.Tensor()
    type.elemType = 1
    for dim in dims {
      var d = Onnx_TensorShapeProto.Dimension()
      if let dim { d.dimValue = Int64(dim) } else { d.dimParam = "batch" }
      type.shape.dim.append(d)
    }
    var proto = Onnx_TypeProto()
    proto.tensorType = type
    info.type = proto
    return info
  }

  /// A model of `nodes` over the input `x` `[batch, features...]` with output `y`.
  static func model(
    _ nodes: [Onnx_NodeProto], initializers: [Onnx_TensorProto] = [], input: [Int?] = [nil, 4], opset: Int = 17
  ) -> Onnx_ModelProto {
    var graph = Onnx_GraphProto()
    graph.name = "test"
    graph.node = nodes
    graph.initializer = initializers
    graph.input = [value("x", input)]
    graph.output = [value("y", [nil])]
    var model = Onnx_ModelProto()
    model.irVersion = 8
    var set = Onnx_OperatorSetIdProto()
    set.version = Int64(opset)
    model.opsetImport = [set]
    model.graph = graph
    return model
  }

  /// Writes `bytes` to a new temporary file named `name` and returns its path.
  static func write(_ bytes: [UInt8], name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-onnx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  static func write(_ model: Onnx_ModelProto, name: String) throws -> String {
    try write([UInt8](try model.serializedBytes() as [UInt8]), name: name)
  }
}
