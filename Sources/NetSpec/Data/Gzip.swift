import CZlib

/// gzip decompression through zlib, streamed: it inflates one chunk at a time
/// and stops as soon as the running count of output bytes passes the limit,
/// so that a small file cannot expand into unbounded memory or time (a "gzip
/// bomb").
final class Gzip: ByteStream {
  /// The most bytes a data file may decompress to: 1 GiB.
  static let maxOutputBytes = NumericArray.maxBytes
  /// How many compressed bytes are read at a time.
  private static let inputChunk = 1 << 16
  /// Past this much output, a file that expands more than ``maxRatio`` times
  /// is taken for a gzip bomb: real data files compress 3 to 30 times, a
  /// bomb of fixed-Huffman copies about 150 times, and deflate's ceiling is
  /// about 1,032.
  static let ratioCheckBytes = 16 << 20
  /// The largest expansion accepted past ``ratioCheckBytes``.
  static let maxRatio = 100

  private var source: any ByteStream
  private let limit: Int
  private var stream = z_stream()
  private var input: [UInt8] = []
  private var consumed = 0
  /// Compressed bytes consumed before `input`, for messages.
  private var consumedBefore = 0
  private var produced = 0
  private var inMember = true
  private var finished = false

  /// The decompressed size is known only at the end.
  var size: Int? { nil }

  /// A stream of the decompressed contents of `source`: one or more
  /// concatenated gzip members.
  init(_ source: any ByteStream, limit: Int = maxOutputBytes) throws(DataFileError) {
    self.source = source
    self.limit = limit
    input = try self.source.read(exactly: 2)
    guard input == [0x1F, 0x8B] else {
      throw DataFileError(
        "the name ends in `.gz`, but the file is not gzip-compressed (it does not start with bytes 1f 8b)",
        help: "compress it with `gzip`, or remove `.gz` from its name")
    }
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DataFileError("zlib could not start decompressing", help: "this is a zlib installation problem")
    }
  }

  deinit { inflateEnd(&stream) }

  func read(upTo count: Int) throws(DataFileError) -> [UInt8] {
    var output: [UInt8] = []
    while output.isEmpty, !finished, count > 0 {
      output = try inflateChunk(count)
    }
    return output
  }

  /// Inflates into at most `count` bytes; may produce none while it reads input.
  private func inflateChunk(_ count: Int) throws(DataFileError) -> [UInt8] {
    if consumed == input.count {
      consumedBefore += input.count
      input = try source.read(upTo: Self.inputChunk)
      consumed = 0
      if input.isEmpty {
        guard !inMember else {
          throw DataFileError(
            "the gzip data ends early, after \(consumedBefore) compressed bytes",
            help: "the file is truncated; copy or download it again")
        }
        finished = true
        return []
      }
    }
    if !inMember {
      // A further gzip member starts here (as `cat a.gz b.gz` writes).
      if input.count - consumed < 2 {
        input = Array(input[consumed...]) + (try source.read(upTo: Self.inputChunk))
        consumedBefore += consumed
        consumed = 0
      }
      guard input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else {
        throw DataFileError(
          "unexpected bytes after the end of the gzip stream, at byte \(consumedBefore + consumed)",
          help: "the file may be damaged; recompress it with `gzip`")
      }
      inflateReset(&stream)
      inMember = true
    }
    let capacity = min(count, 1 << 20)
    var status: Int32 = Z_OK
    var used = 0
    let output = [UInt8](unsafeUninitializedCapacity: capacity) { target, initialized in
      input.withUnsafeBufferPointer { source in
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + consumed)
        stream.avail_in = UInt32(clamping: source.count - consumed)
        stream.next_out = target.baseAddress
        stream.avail_out = UInt32(clamping: capacity)
        let before = stream.avail_in
        status = inflate(&stream, Z_NO_FLUSH)
        used = Int(before - stream.avail_in)
        initialized = capacity - Int(stream.avail_out)
      }
    }
    consumed += used
    produced += output.count
    guard produced <= limit else {
      throw DataFileError(
        "decompresses to more than \(limit) bytes",
        help: "data files are limited to \(limit >> 20) MiB uncompressed; use a smaller sample of the data")
    }
    let compressed = consumedBefore + consumed
    guard produced <= Self.ratioCheckBytes || produced / max(compressed, 1) <= Self.maxRatio else {
      throw DataFileError(
        "expands more than \(Self.maxRatio) times (\(compressed) compressed bytes gave \(produced >> 20) MiB): a gzip bomb",
        help: "data this repetitive is not a real data set; if it is, store it uncompressed or as NPY")
    }
    switch status {
    case Z_STREAM_END:
      inMember = false
    case Z_OK, Z_BUF_ERROR:
      // Z_BUF_ERROR: no progress without more input, which the next call reads.
      break
    default:
      let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
      throw DataFileError(
        "the gzip data is damaged near compressed byte \(consumedBefore + consumed): \(reason)",
        help: "the file may be corrupted; recompress it with `gzip`")
    }
    return output
  }
}
