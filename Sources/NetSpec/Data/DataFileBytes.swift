import Foundation

/// Reading a data file's bytes: size-limited, and decompressed when its name
/// ends in `.gz`.
enum DataFileBytes {
  /// The largest data file read from disk: 1 GiB.
  static let maxFileBytes = 1 << 30

  /// The (decompressed) contents of the file at `path`.
  static func read(_ path: String) throws(DataFileError) -> [UInt8] {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = attributes?[.size] as? Int else {
      throw DataFileError("the file cannot be read", help: "check that `\(path)` exists and is readable")
    }
    guard size <= maxFileBytes else {
      throw DataFileError(
        "the file is \(size) bytes; data files are limited to \(maxFileBytes >> 20) MiB",
        help: "use a smaller sample of the data")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataFileError("the file cannot be read", help: "check the permissions of `\(path)`")
    }
    let bytes = [UInt8](data)
    return path.hasSuffix(".gz") ? try Gzip.decompress(bytes) : bytes
  }
}
