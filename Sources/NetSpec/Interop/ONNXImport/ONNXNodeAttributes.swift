import ONNXProto

/// Typed access to a node's attributes, with ONNX's defaults given by the caller.
extension Onnx_NodeProto {
  func attribute(_ name: String) -> Onnx_AttributeProto? { attribute.first { $0.name == name } }

  func int(_ name: String, default value: Int) -> Int { attribute(name).map { Int($0.i) } ?? value }

  func float(_ name: String, default value: Float) -> Float { attribute(name).map(\.f) ?? value }

  func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }

  func string(_ name: String, default value: String) -> String {
    attribute(name).map { String(decoding: $0.s, as: UTF8.self) } ?? value
  }

  /// The node's name, or its op type and first output when it has none.
  var displayName: String { name.isEmpty ? "\(opType) -> \(output.first ?? "?")" : name }
}
