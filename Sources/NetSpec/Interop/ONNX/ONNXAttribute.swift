import Foundation
import ONNXProto

/// One attribute of an ONNX node (`axis: 1`, `kernel_shape: [3, 3]`).
struct ONNXAttribute {
  let proto: Onnx_AttributeProto

  private init(_ name: String, _ type: Onnx_AttributeProto.AttributeType, _ fill: (inout Onnx_AttributeProto) -> Void) {
    var proto = Onnx_AttributeProto()
    proto.name = name
    proto.type = type
    fill(&proto)
    self.proto = proto
  }

  static func int(_ name: String, _ value: Int) -> ONNXAttribute {
    ONNXAttribute(name, .int) { $0.i = Int64(value) }
  }

  static func ints(_ name: String, _ values: [Int]) -> ONNXAttribute {
    ONNXAttribute(name, .ints) { $0.ints = values.map(Int64.init) }
  }

  static func float(_ name: String, _ value: Double) -> ONNXAttribute {
    ONNXAttribute(name, .float) { $0.f = Float(value) }
  }

  static func string(_ name: String, _ value: String) -> ONNXAttribute {
    ONNXAttribute(name, .string) { $0.s = Data(value.utf8) }
  }

  static func tensor(_ name: String, _ value: Onnx_TensorProto) -> ONNXAttribute {
    ONNXAttribute(name, .tensor) { $0.t = value }
  }
}
