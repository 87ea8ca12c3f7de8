import Foundation

/// Reading a data file's bytes, size-limited.
public enum RawFile {
  /// The contents of the file at `path`, at most ``NumericArray/maxBytes``.
  public static func read(_ path: String) throws(DataFileError) -> [UInt8] {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = attributes?[.size] as? Int else {
      throw DataFileError("the file cannot be read", help: "check that `\(path)` exists and is readable")
    }
    guard size <= NumericArray.maxBytes else {
      throw DataFileError(
        "the file is \(size) bytes; data files are limited to \(NumericArray.maxBytes >> 20) MiB",
        help: "use a smaller sample of the data")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataFileError("the file cannot be read", help: "check the permissions of `\(path)`")
    }
    return [UInt8](data)
  }
}
