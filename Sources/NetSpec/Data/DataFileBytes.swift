/// Opening a data file as a stream: size-limited and regular files only
/// (``RawFile``), and decompressed when its name ends in `.gz`.
enum DataFileBytes {
  /// The (decompressed) contents of the file at `path`, as a stream.
  static func open(_ path: String) throws(DataFileError) -> any ByteStream {
    let file = try RawFile(path)
    return path.hasSuffix(".gz") ? try Gzip(file) : file
  }

}
