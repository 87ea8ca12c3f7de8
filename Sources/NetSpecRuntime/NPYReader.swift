import Foundation

/// Reads NumPy `.npy` files (format versions 1 to 3): little- or big-endian
/// `f4`, `f8`, `i1`, `i2`, `i4`, `i8` and `u1` elements in C order.
///
/// The reader is streamed: it reads the header (at most ``maxHeaderBytes``),
/// checks the data size the shape implies against the data file limit and,
/// for an uncompressed file, against the file's size, all before it
/// allocates anything for the values.
public enum NPYReader {
  /// The longest header accepted: 64 KiB (`numpy.save` writes a few hundred bytes).
  public static let maxHeaderBytes = 1 << 16

  /// Reads an array from a file's (decompressed) bytes.
  public static func read(_ bytes: [UInt8]) throws(DataFileError) -> NumericArray {
    var stream = MemoryByteStream(bytes)
    return try read(&stream)
  }

  /// Reads an array from a stream of a file's (decompressed) bytes.
  public static func read(_ stream: inout some ByteStream) throws(DataFileError) -> NumericArray {
    let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    var prefix = try stream.read(exactly: 8)
    guard prefix.count == 8, prefix.starts(with: magic) else {
      throw DataFileError(
        "not a NumPy .npy file (it does not start with `\\x93NUMPY`)",
        help: "save arrays with `numpy.save`; for text use a `csv` source")
    }
    let version = prefix[6]
    let lengthBytes = version == 1 ? 2 : 4
    prefix += try stream.read(exactly: lengthBytes)
    guard (1...3).contains(version), prefix.count == 8 + lengthBytes else {
      throw DataFileError(
        "unsupported .npy format version \(version).\(prefix[7])", help: "save the array with `numpy.save`")
    }
    let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(prefix[8 + $1]) << (8 * $1) }
    let dataOffset = 8 + lengthBytes + headerLength
    if let size = stream.size, dataOffset > size {
      throw DataFileError(
        "the header says it is \(headerLength) bytes long, but the file ends after \(size) bytes",
        help: "the file is truncated; save it again")
    }
    guard headerLength <= maxHeaderBytes else {
      throw DataFileError(
        "the header says it is \(headerLength) bytes long; .npy headers are limited to \(maxHeaderBytes >> 10) KiB",
        help: "the file may be damaged; save it again with `numpy.save`")
    }
    let headerBytes = try stream.read(exactly: headerLength)
    guard headerBytes.count == headerLength else {
      throw DataFileError(
        "the header says it is \(headerLength) bytes long, but the file ends after \(prefix.count + headerBytes.count) bytes",
        help: "the file is truncated; save it again")
    }
    let header = String(decoding: headerBytes, as: UTF8.self)
    let (element, bigEndian) = try elementType(header)
    let shape = try shape(header)
    if try fortranOrder(header), shape.filter({ $0 > 1 }).count > 1 {
      throw DataFileError(
        "the array is stored in Fortran (column-major) order",
        help: "save it in C order: `numpy.save(path, numpy.ascontiguousarray(array))`")
    }
    guard !shape.isEmpty else {
      throw DataFileError(
        "the array is a scalar; samples must lie along the first axis", help: "save an array of shape (samples, ...)")
    }
    let count = try NumericArray.valueCount(shape, elementSize: element.size) { _ in describe(shape) }
    let expected = count * element.size
    if let size = stream.size, size - dataOffset != expected {
      let found = size - dataOffset
      throw DataFileError(
        "the shape \(describe(shape)) needs \(expected) bytes of data, but the file holds \(found)",
        help: found < expected ? "the file is truncated; save it again" : "the file has extra bytes; save it again")
    }
    return try NumericArray(
      reading: &stream, shape: shape, count: count, element: element, bigEndian: bigEndian,
      describeShape: describe(shape))
  }

  /// `(3, 4)` for messages, as NumPy writes shapes.
  public static func describe(_ shape: [Int]) -> String {
    "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
  }

  /// The text after `'key':` in the header dictionary, up to the end.
  private static func value(of key: String, in header: String) throws(DataFileError) -> Substring {
    guard let keyRange = header.range(of: "'\(key)'"),
      let colon = header[keyRange.upperBound...].firstIndex(of: ":")
    else {
      throw DataFileError(
        "the header has no `\(key)` entry: \(header.trimmingCharacters(in: .whitespacesAndNewlines))",
        help: "save the array with `numpy.save`")
    }
    return header[header.index(after: colon)...].drop { $0 == " " }
  }

  private static func elementType(_ header: String) throws(DataFileError) -> (NumericArray.ElementType, Bool) {
    let text = try value(of: "descr", in: header)
    let quote = text.first
    let descr = quote == "'" || quote == "\"" ? text.dropFirst().prefix { $0 != quote } : ""
    let types: [Substring: NumericArray.ElementType] = [
      "f4": .float32, "f8": .float64, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64, "u1": .uint8,
    ]
    guard descr.count == 3, let order = descr.first, "<>|=".contains(order), let type = types[descr.dropFirst()],
      order != "|" || type.size == 1
    else {
      throw DataFileError(
        "unsupported element type `\(descr.isEmpty ? text.prefix(30) : descr)`",
        help: "convert the array to float32 (`array.astype(numpy.float32)`); supported: f4, f8, i1, i2, i4, i8, u1")
    }
    return (type, order == ">")
  }

  private static func fortranOrder(_ header: String) throws(DataFileError) -> Bool {
    try value(of: "fortran_order", in: header).hasPrefix("True")
  }

  private static func shape(_ header: String) throws(DataFileError) -> [Int] {
    let text = try value(of: "shape", in: header)
    guard text.first == "(", let close = text.firstIndex(of: ")") else {
      throw DataFileError("the header's `shape` is not a tuple", help: "save the array with `numpy.save`")
    }
    var sizes: [Int] = []
    for item in text[text.index(after: text.startIndex)..<close].split(separator: ",") {
      let trimmed = item.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      guard let size = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), size >= 0 else {
        throw DataFileError(
          "the header's `shape` holds `\(trimmed)`, not a size", help: "save the array with `numpy.save`")
      }
      sizes.append(size)
    }
    return sizes
  }
}
