/// An n-dimensional array of numbers read from a data file, as float32.
public struct NumericArray: Sendable {
  /// The values in row-major (C) order.
  public var values: [Float]
  /// The size of each axis; the first is the sample axis.
  public var shape: [Int]

  /// The most bytes a data file may hold (or decompress to): 1 GiB.
  public static let maxBytes = 1 << 30

  /// The number of values in an array of `shape` whose elements take
  /// `elementSize` bytes, checked axis by axis against ``maxBytes``, which
  /// no data file may exceed. An empty axis does not hide the others: the
  /// product of the non-empty axes (a sample's size when the first is empty)
  /// must fit too. `describe` names the shape in the error, given the axes up
  /// to the one that made the data too large.
  public static func valueCount(
    _ shape: [Int], elementSize: Int, describe: (ArraySlice<Int>) -> String
  ) throws(DataFileError) -> Int {
    var nonEmpty = 1
    for (axis, size) in shape.enumerated() where size != 0 {
      let (product, overflow) = nonEmpty.multipliedReportingOverflow(by: size)
      guard !overflow, product <= Self.maxBytes / elementSize else {
        throw DataFileError(
          "the shape \(describe(shape[...axis])) holds too many values", help: "use a smaller sample of the data")
      }
      nonEmpty = product
    }
    return shape.contains(0) ? 0 : nonEmpty
  }

  /// Reads an array of `shape` holding `count` little- or big-endian
  /// elements from the rest of `stream`, a chunk at a time, as Float. The
  /// values are allocated as the data arrives, so a header that promises more
  /// than the file holds costs no memory. Rejects NaN and infinities, naming
  /// the first by sample and position within it; fails when the data ends
  /// early or bytes follow it, naming `describeShape`.
  public init(
    reading stream: inout some ByteStream, shape: [Int], count: Int, element: ElementType, bigEndian: Bool,
    describeShape: String
  ) throws(DataFileError) {
    let perSample = max(shape.dropFirst().reduce(1, *), 1)
    let size = element.size
    var values: [Float] = []
    values.reserveCapacity(min(count, 1 << 20))
    while values.count < count {
      let chunk = try stream.read(exactly: min(count - values.count, 1 << 18) * size)
      guard chunk.count % size == 0, !chunk.isEmpty else {
        throw DataFileError(
          "the shape \(describeShape) needs \(count * size) bytes of data, but the file holds \(values.count * size + chunk.count)",
          help: "the file is truncated; save it again")
      }
      let first = values.count
      try Self.convert(chunk, element: element, bigEndian: bigEndian, into: &values) { index in
        "sample \((first + index) / perSample), value \((first + index) % perSample)"
      }
    }
    guard try stream.isAtEnd() else {
      throw DataFileError(
        "the file has extra bytes after the \(count * size) bytes of data the shape \(describeShape) needs",
        help: "the file may be damaged or hold more than one array; save it again")
    }
    self.values = values
    self.shape = shape
  }

  /// Appends the little- or big-endian elements of `bytes` to `values` as
  /// Float, rejecting NaN and infinities. `describe` names an element index
  /// within `bytes` for messages.
  private static func convert(
    _ bytes: [UInt8], element: ElementType, bigEndian: Bool, into values: inout [Float],
    describe: (Int) -> String
  ) throws(DataFileError) {
    let size = element.size
    let count = bytes.count / size
    let start = values.count
    values.append(contentsOf: repeatElement(0, count: count))
    let bad: Int? = bytes.withUnsafeBytes { raw in
      values.withUnsafeMutableBufferPointer { out in
        func word<T: FixedWidthInteger>(_ index: Int, as type: T.Type) -> T {
          let value = raw.loadUnaligned(fromByteOffset: index * size, as: T.self)
          return bigEndian ? T(bigEndian: value) : T(littleEndian: value)
        }
        for index in 0..<count {
          let value: Float
          switch element {
          case .uint8: value = Float(raw[index])
          case .int8: value = Float(Int8(bitPattern: raw[index]))
          case .int16: value = Float(word(index, as: Int16.self))
          case .int32: value = Float(word(index, as: Int32.self))
          case .int64: value = Float(word(index, as: Int64.self))
          case .float32: value = Float(bitPattern: word(index, as: UInt32.self))
          case .float64: value = Float(Double(bitPattern: word(index, as: UInt64.self)))
          }
          guard value.isFinite else { return index }
          out[start + index] = value
        }
        return nil
      }
    }
    if let bad {
      throw DataFileError(
        "\(describe(bad)) is not a finite float32 value",
        help: "replace NaN and infinite values before training")
    }
  }

  /// The element types the NPY and IDX readers understand.
  public enum ElementType: Sendable {
    case uint8, int8, int16, int32, int64, float32, float64

    var size: Int {
      switch self {
      case .uint8, .int8: 1
      case .int16: 2
      case .int32, .float32: 4
      case .int64, .float64: 8
      }
    }
  }
}
