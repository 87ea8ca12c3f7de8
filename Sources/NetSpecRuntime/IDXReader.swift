/// Reads IDX files, the format of the MNIST distribution: a big-endian header
/// (two zero bytes, an element type, the number of axes, one 32-bit size per
/// axis) followed by the values.
///
/// The reader is streamed: it checks the data size the header implies against
/// the data file limit and, for an uncompressed file, against the file's
/// size, before it allocates anything for the values.
public enum IDXReader {
  /// Reads an array from a file's (decompressed) bytes.
  public static func read(_ bytes: [UInt8]) throws(DataFileError) -> NumericArray {
    var stream = MemoryByteStream(bytes)
    return try read(&stream)
  }

  /// Reads an array from a stream of a file's (decompressed) bytes.
  public static func read(_ stream: inout some ByteStream) throws(DataFileError) -> NumericArray {
    let types: [UInt8: NumericArray.ElementType] = [
      0x08: .uint8, 0x09: .int8, 0x0B: .int16, 0x0C: .int32, 0x0D: .float32, 0x0E: .float64,
    ]
    let prefix = try stream.read(exactly: 4)
    guard prefix.count == 4, prefix[0] == 0, prefix[1] == 0 else {
      let found = prefix.map { String($0, radix: 16) }.joined(separator: " ")
      throw DataFileError(
        "not an IDX file: it starts with bytes \(found.isEmpty ? "(none)" : found), not 00 00",
        help: "IDX files start with two zero bytes, an element type and the number of axes (MNIST: 00 00 08 03)")
    }
    guard let element = types[prefix[2]] else {
      throw DataFileError(
        "unknown IDX element type 0x\(String(prefix[2], radix: 16)) in byte 2",
        help: "IDX element types are 08 (ubyte), 09 (byte), 0b (short), 0c (int), 0d (float), 0e (double)")
    }
    let axes = Int(prefix[3])
    guard axes >= 1 else {
      throw DataFileError("the IDX header declares 0 axes", help: "samples must lie along the first axis")
    }
    let dataOffset = 4 + 4 * axes
    let sizes = try stream.read(exactly: 4 * axes)
    guard sizes.count == 4 * axes else {
      throw DataFileError(
        "the header declares \(axes) axes, but the file ends after \(4 + sizes.count) bytes",
        help: "the file is truncated; copy it again")
    }
    let shape = (0..<axes).map { axis in (0..<4).reduce(0) { $0 << 8 | Int(sizes[4 * axis + $1]) } }
    let count = try NumericArray.valueCount(shape, elementSize: element.size) { describe(Array($0)) }
    let expected = count * element.size
    if let size = stream.size, size - dataOffset != expected {
      let found = size - dataOffset
      throw DataFileError(
        "the header's shape \(describe(shape)) needs \(expected) bytes of data, but the file holds \(found)",
        help: found < expected ? "the file is truncated; copy it again" : "the file has extra bytes after the data")
    }
    return try NumericArray(
      reading: &stream, shape: shape, count: count, element: element, bigEndian: true,
      describeShape: describe(shape))
  }

  /// `60000x28x28`, for messages.
  public static func describe(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
