/// Reading a data file's bytes: size-limited (``RawFile``), and
/// decompressed when its name ends in `.gz`.
enum DataFileBytes {
  /// The (decompressed) contents of the file at `path`.
  static func read(_ path: String) throws(DataFileError) -> [UInt8] {
    let bytes = try RawFile.read(path)
    return path.hasSuffix(".gz") ? try Gzip.decompress(bytes) : bytes
  }
}
