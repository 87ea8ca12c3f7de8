/// Samples to predict on, read from a file: CSV (one sample per row, an
/// optional header; `.gz` compressed too), NumPy `.npy` or IDX (samples along
/// the first axis).
struct SampleFile {
  /// The values, sample after sample.
  var values: [Float]
  /// The number of samples.
  var count: Int
  /// The shape of one sample as stored.
  var sampleShape: [Int]
  /// The table when the file is CSV, to drop a label column from.
  var table: CSVTable?

  /// Reads `path`, choosing the format from its name (`.npy`, IDX names
  /// such as `t10k-images-idx3-ubyte`, anything else CSV).
  static func read(_ path: String) throws(DataFileError) -> SampleFile {
    let bytes = try DataFileBytes.read(path)
    let name = path.hasSuffix(".gz") ? String(path.dropLast(3)) : path
    if name.hasSuffix(".npy") || name.contains("-ubyte") || name.hasSuffix(".idx") {
      let array = name.hasSuffix(".npy") ? try NPYReader.read(bytes) : try IDXReader.read(bytes)
      guard let count = array.shape.first, count > 0 else {
        throw DataFileError("the array holds no samples", help: "store samples along the first axis")
      }
      return SampleFile(values: array.values, count: count, sampleShape: Array(array.shape.dropFirst()), table: nil)
    }
    let table = try CSVReader.parse(bytes)
    return SampleFile(values: table.values, count: table.rows, sampleShape: [table.columns], table: table)
  }

  /// The number of values in one sample.
  var stride: Int { sampleShape.reduce(1, *) }
}
