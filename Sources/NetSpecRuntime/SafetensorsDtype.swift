/// The element types of the safetensors format, as spelled in a header.
/// NetSpec writes F32 and reads F32, F16, BF16 and F64 (converted to float32).
public enum SafetensorsDtype: String, CaseIterable, Sendable {
  case bool = "BOOL"
  case u8 = "U8"
  case i8 = "I8"
  case f8E5M2 = "F8_E5M2"
  case f8E4M3 = "F8_E4M3"
  case i16 = "I16"
  case u16 = "U16"
  case f16 = "F16"
  case bf16 = "BF16"
  case i32 = "I32"
  case u32 = "U32"
  case f32 = "F32"
  case f64 = "F64"
  case i64 = "I64"
  case u64 = "U64"

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .bool, .u8, .i8, .f8E5M2, .f8E4M3: 1
    case .i16, .u16, .f16, .bf16: 2
    case .i32, .u32, .f32: 4
    case .f64, .i64, .u64: 8
    }
  }

  /// True for the types NetSpec converts to float32 when reading.
  public var isReadable: Bool {
    switch self {
    case .f32, .f16, .bf16, .f64: true
    default: false
    }
  }

  /// The little-endian elements in `bytes` as float32; `bytes.count` is a
  /// multiple of ``byteSize`` and the type ``isReadable``.
  public func floats(_ bytes: ArraySlice<UInt8>) -> [Float] {
    bytes.withUnsafeBytes { raw in
      /// Each element read as the unsigned integer `T`, then converted.
      func elements<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Float) -> [Float] {
        let size = MemoryLayout<T>.size
        return (0..<raw.count / size).map {
          convert(T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)))
        }
      }
      switch self {
      case .f32: return elements(UInt32.self) { Float(bitPattern: $0) }
      case .f64: return elements(UInt64.self) { Float(Double(bitPattern: $0)) }
      case .f16: return elements(UInt16.self, Self.half)
      case .bf16: return elements(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }  // a float32's high half
      default: preconditionFailure("\(rawValue) is not converted to float32")
      }
    }
  }

  /// An IEEE 754 binary16 value as float32 (exact: every half is a float).
  public static func half(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 == 0 ? 1 : -1
    let exponent = Int(bits >> 10 & 0x1F)
    let fraction = Float(bits & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 0x1F: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }
}
