/// Reads IDX files, the format of the MNIST distribution: a big-endian header
/// (two zero bytes, an element type, the number of axes, one 32-bit size per
/// axis) followed by the values.
enum IDXReader {
  static func read(_ bytes: [UInt8]) throws(DataFileError) -> NumericArray {
    let types: [UInt8: NumericArray.ElementType] = [
      0x08: .uint8, 0x09: .int8, 0x0B: .int16, 0x0C: .int32, 0x0D: .float32, 0x0E: .float64,
    ]
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      let found = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
      throw DataFileError(
        "not an IDX file: it starts with bytes \(found.isEmpty ? "(none)" : found), not 00 00",
        help: "IDX files start with two zero bytes, an element type and the number of axes (MNIST: 00 00 08 03)")
    }
    guard let element = types[bytes[2]] else {
      throw DataFileError(
        "unknown IDX element type 0x\(String(bytes[2], radix: 16)) in byte 2",
        help: "IDX element types are 08 (ubyte), 09 (byte), 0b (short), 0c (int), 0d (float), 0e (double)")
    }
    let axes = Int(bytes[3])
    guard axes >= 1 else {
      throw DataFileError("the IDX header declares 0 axes", help: "samples must lie along the first axis")
    }
    let dataOffset = 4 + 4 * axes
    guard bytes.count >= dataOffset else {
      throw DataFileError(
        "the header declares \(axes) axes, but the file ends after \(bytes.count) bytes",
        help: "the file is truncated; copy it again")
    }
    var shape: [Int] = []
    var count = 1
    for axis in 0..<axes {
      let size = (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * axis + $1]) }
      shape.append(size)
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow, product <= Gzip.maxOutputBytes else {
        throw DataFileError(
          "the shape \(describe(shape)) holds too many values", help: "use a smaller sample of the data")
      }
      count = product
    }
    let expected = count * element.size
    let found = bytes.count - dataOffset
    guard found == expected else {
      throw DataFileError(
        "the header's shape \(describe(shape)) needs \(expected) bytes of data, but the file holds \(found)",
        help: found < expected ? "the file is truncated; copy it again" : "the file has extra bytes after the data")
    }
    let perSample = max(shape.dropFirst().reduce(1, *), 1)
    let values = try NumericArray.convert(
      bytes, offset: dataOffset, count: count, element: element, bigEndian: true
    ) { index in "sample \(index / perSample), value \(index % perSample)" }
    return NumericArray(values: values, shape: shape)
  }

  /// `60000x28x28`, for messages.
  static func describe(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
