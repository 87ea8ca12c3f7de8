import CZlib

/// gzip decompression through zlib, with a bound on the output so that a
/// small file cannot expand into unbounded memory (a "gzip bomb").
enum Gzip {
  /// The most bytes a data file may decompress to: 1 GiB.
  static let maxOutputBytes = NumericArray.maxBytes

  /// True when `bytes` start with the gzip magic number 1f 8b.
  static func isCompressed(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// The decompressed contents of one or more concatenated gzip members.
  static func decompress(_ input: [UInt8], limit: Int = maxOutputBytes) throws(DataFileError) -> [UInt8] {
    guard isCompressed(input) else {
      throw DataFileError(
        "the name ends in `.gz`, but the file is not gzip-compressed (it does not start with bytes 1f 8b)",
        help: "compress it with `gzip`, or remove `.gz` from its name")
    }
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DataFileError("zlib could not start decompressing", help: "this is a zlib installation problem")
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    output.reserveCapacity(min(limit, input.count * 4))
    var chunk = [UInt8](repeating: 0, count: 1 << 18)
    var consumed = 0
    var inMember = true
    while true {
      if !inMember {
        if consumed == input.count { break }
        // A further gzip member starts here (as `cat a.gz b.gz` writes).
        guard input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else {
          throw DataFileError(
            "unexpected bytes after the end of the gzip stream, at byte \(consumed)",
            help: "the file may be damaged; recompress it with `gzip`")
        }
        inflateReset(&stream)
        inMember = true
      }
      let (status, used, produced) = input.withUnsafeBufferPointer { source in
        chunk.withUnsafeMutableBufferPointer { target in
          stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + consumed)
          stream.avail_in = UInt32(clamping: input.count - consumed)
          stream.next_out = target.baseAddress
          stream.avail_out = UInt32(target.count)
          let before = stream.avail_in
          let status = inflate(&stream, Z_NO_FLUSH)
          return (status, Int(before - stream.avail_in), target.count - Int(stream.avail_out))
        }
      }
      consumed += used
      guard output.count + produced <= limit else {
        throw DataFileError(
          "decompresses to more than \(limit) bytes",
          help: "data files are limited to \(limit >> 20) MiB uncompressed; use a smaller sample of the data")
      }
      output.append(contentsOf: chunk[0..<produced])
      switch status {
      case Z_STREAM_END:
        inMember = false
      case Z_OK:
        continue
      case Z_BUF_ERROR:
        // No progress possible: the input ended inside the stream.
        if used == 0 && produced == 0 {
          throw DataFileError(
            "the gzip data ends early, after \(consumed) compressed bytes",
            help: "the file is truncated; copy or download it again")
        }
      default:
        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
        throw DataFileError(
          "the gzip data is damaged near compressed byte \(consumed): \(reason)",
          help: "the file may be corrupted; recompress it with `gzip`")
      }
    }
    return output
  }
}
