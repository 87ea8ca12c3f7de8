/// Samples to predict on, read from a file: CSV (one sample per row, a
/// header as ``CSVHeader`` decides), NumPy `.npy` or IDX (samples along
/// the first axis).
public struct SampleFile {
  /// The values, sample after sample.
  public var values: [Float]
  /// The number of samples.
  public var count: Int
  /// The shape of one sample as stored.
  public var sampleShape: [Int]
  /// The table when the file is CSV, to drop a label column from.
  public var table: CSVTable?

  /// Reads `path`, choosing the format from its name (`.npy`, IDX names
  /// such as `t10k-images-idx3-ubyte`, anything else CSV, its header decided
  /// by `header`). A `.gz` file is refused: decompressing needs zlib, which
  /// only `netspec` links (it reads through ``read(_:name:header:)``).
  public static func read(_ path: String, header: CSVHeader = .auto) throws(DataFileError) -> SampleFile {
    guard !path.hasSuffix(".gz") else {
      throw DataFileError(
        "the file is gzip-compressed; this tool reads uncompressed files only",
        help: "decompress it first (`gunzip -k \(path)`), or predict with `netspec predict`")
    }
    var file = try RawFile(path)
    return try read(&file, name: path, header: header)
  }

  /// Reads the (decompressed) contents of the file named `name` from `stream`.
  public static func read(
    _ stream: inout some ByteStream, name path: String, header: CSVHeader
  ) throws(DataFileError) -> SampleFile {
    let name = path.hasSuffix(".gz") ? String(path.dropLast(3)) : path
    if name.hasSuffix(".npy") || name.contains("-ubyte") || name.hasSuffix(".idx") {
      let array = name.hasSuffix(".npy") ? try NPYReader.read(&stream) : try IDXReader.read(&stream)
      guard let count = array.shape.first, count > 0 else {
        throw DataFileError("the array holds no samples", help: "store samples along the first axis")
      }
      return SampleFile(values: array.values, count: count, sampleShape: Array(array.shape.dropFirst()), table: nil)
    }
    let table = try CSVReader.parse(&stream, header: header)
    return SampleFile(values: table.values, count: table.rows, sampleShape: [table.columns], table: table)
  }

  /// The number of values in one sample.
  public var stride: Int { sampleShape.reduce(1, *) }
}
