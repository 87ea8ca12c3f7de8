import Foundation
import ONNXProto

/// Decodes an ONNX `TensorProto` (an initializer or a `Constant`'s value) into
/// an ``ONNXConstant``: from `raw_data` (little-endian) or the typed fields
/// (`float_data`, `int64_data`, `int32_data`, `double_data`), after checking its
/// dims (none negative, at most ``maxElements`` in all) and that the data holds
/// exactly that many elements. Data in external files is refused.
enum ONNXTensorDecoding {
  /// The most elements one tensor may hold: 2^28 (1 GiB of float32).
  static let maxElements = 1 << 28

  /// ONNX `TensorProto.DataType` codes the importer reads.
  private enum DataType: Int32 {
    case float = 1, uint8 = 2, int8 = 3, int16 = 5, int32 = 6, int64 = 7, bool = 9, double = 11

    var byteSize: Int {
      switch self {
      case .uint8, .int8, .bool: 1
      case .int16: 2
      case .float, .int32: 4
      case .int64, .double: 8
      }
    }
  }

  /// The tensor's value; `what` names it in messages (`initializer `fc.weight``).
  static func decode(_ tensor: Onnx_TensorProto, what: String, path: String) throws(ONNXImportError) -> ONNXConstant {
    if tensor.dataLocation == .external || !tensor.externalData.isEmpty {
      throw .invalid(
        path, "\(what) keeps its data in an external file, which `netspec import` does not read",
        help: "save the model with its weights inside: onnx.save(model, path, save_as_external_data=False)")
    }
    var count = 1
    for dim in tensor.dims {
      guard dim >= 0, dim <= Int64(maxElements) else {
        throw .invalid(path, "\(what) has the dimension \(dim)", help: "dimensions are sizes from 0 to 2^28")
      }
      count *= Int(dim)
      guard count <= maxElements else {
        throw .invalid(
          path, "\(what) has shape \(tensor.dims), more than \(maxElements) elements",
          help: "import a model whose tensors hold at most 2^28 elements each")
      }
    }
    let shape = tensor.dims.map { Int($0) }
    guard let type = DataType(rawValue: tensor.dataType) else {
      throw .invalid(
        path, "\(what) has ONNX data type \(tensor.dataType), which NetSpec does not read",
        help: "export float32 weights (and int64 shapes)")
    }
    let elements: ONNXConstant.Elements
    if tensor.hasRawData {
      let raw = [UInt8](tensor.rawData)
      guard raw.count == count * type.byteSize else {
        throw mismatch(what, shape, got: raw.count / type.byteSize, path)
      }
      elements = decode(raw, type: type, count: count)
    } else {
      elements =
        switch type {
        case .float: .floats(tensor.floatData)
        case .double: .floats(tensor.doubleData.map { Float($0) })
        case .int64: .ints(tensor.int64Data.map { Dim(Int($0)) })
        case .int32, .int16, .int8, .uint8, .bool: .ints(tensor.int32Data.map { Dim(Int($0)) })
        }
    }
    let decoded = ONNXConstant(shape: shape, elements)
    let stored =
      switch elements {
      case .floats(let values): values.count
      case .ints(let values): values.count
      }
    guard stored == count else { throw mismatch(what, shape, got: stored, path) }
    return decoded
  }

  private static func mismatch(_ what: String, _ shape: [Int], got: Int, _ path: String) -> ONNXImportError {
    .invalid(
      path, "\(what) has shape \(shape) but holds \(got) elements",
      help: "the file is damaged or was not written by an ONNX exporter")
  }

  /// Little-endian elements of `type` from raw bytes.
  private static func decode(_ raw: [UInt8], type: DataType, count: Int) -> ONNXConstant.Elements {
    func word(_ i: Int, _ size: Int) -> UInt64 {
      var value: UInt64 = 0
      for b in 0..<size { value |= UInt64(raw[i * size + b]) << (8 * b) }
      return value
    }
    switch type {
    case .float: return .floats((0..<count).map { Float(bitPattern: UInt32(word($0, 4))) })
    case .double: return .floats((0..<count).map { Float(Double(bitPattern: word($0, 8))) })
    case .int64: return .ints((0..<count).map { Dim(Int(Int64(bitPattern: word($0, 8)))) })
    case .int32: return .ints((0..<count).map { Dim(Int(Int32(bitPattern: UInt32(word($0, 4))))) })
    case .int16: return .ints((0..<count).map { Dim(Int(Int16(bitPattern: UInt16(word($0, 2))))) })
    case .int8: return .ints((0..<count).map { Dim(Int(Int8(bitPattern: raw[$0]))) })
    case .uint8, .bool: return .ints((0..<count).map { Dim(Int(raw[$0])) })
    }
  }
}
