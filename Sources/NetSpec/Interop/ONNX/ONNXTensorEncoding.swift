import Foundation
import ONNXProto

/// Tensors and value types as ONNX messages: initializers as little-endian
/// `raw_data`, shapes with symbolic dims as named dynamic dims (`dim_param`).
enum ONNXTensorEncoding {
  /// A float32 initializer.
  static func tensor(_ name: String, floats: [Float], shape: [Int]) -> Onnx_TensorProto {
    var proto = Onnx_TensorProto()
    proto.name = name
    proto.dims = shape.map(Int64.init)
    proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    var bytes = Data(capacity: floats.count * 4)
    for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    proto.rawData = bytes
    return proto
  }

  /// An int64 initializer (shapes, axes, indices).
  static func tensor(_ name: String, int64s: [Int64], shape: [Int]) -> Onnx_TensorProto {
    var proto = Onnx_TensorProto()
    proto.name = name
    proto.dims = shape.map(Int64.init)
    proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
    var bytes = Data(capacity: int64s.count * 8)
    for value in int64s { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    proto.rawData = bytes
    return proto
  }

  /// The ONNX element type of a NetSpec dtype.
  static func elementType(_ dtype: DType) -> Int32 {
    switch dtype {
    case .float32: Int32(Onnx_TensorProto.DataType.float.rawValue)
    case .int32: Int32(Onnx_TensorProto.DataType.int32.rawValue)
    }
  }

  /// A graph input or output: its name, element type and shape, each static
  /// dim a `dim_value` and each symbolic one a `dim_param` named after it
  /// (`N`, `T`, or an expression such as `4*N`).
  static func valueInfo(_ name: String, _ type: TensorType) -> Onnx_ValueInfoProto {
    var tensor = Onnx_TypeProto.Tensor()
    tensor.elemType = elementType(type.dtype)
    var shape = Onnx_TensorShapeProto()
    shape.dim = type.shape.map { dim in
      var proto = Onnx_TensorShapeProto.Dimension()
      if let size = dim.staticValue { proto.dimValue = Int64(size) } else { proto.dimParam = dim.description }
      return proto
    }
    tensor.shape = shape
    var info = Onnx_ValueInfoProto()
    info.name = name
    info.type.tensorType = tensor
    return info
  }
}
