/// A data file's bytes, read a chunk at a time, so that a reader holds at
/// most one chunk (plus what it has parsed) however large the file is.
public protocol ByteStream {
  /// The next at most `count` bytes; empty only at the end of the stream.
  mutating func read(upTo count: Int) throws(DataFileError) -> [UInt8]
  /// The number of bytes the stream holds, when known before reading (an
  /// uncompressed file); nil when it is known only at the end.
  var size: Int? { get }
}

extension ByteStream {
  /// The next `count` bytes, or fewer if the stream ends first.
  public mutating func read(exactly count: Int) throws(DataFileError) -> [UInt8] {
    var bytes = try read(upTo: count)
    while bytes.count < count {
      let more = try read(upTo: count - bytes.count)
      if more.isEmpty { break }
      bytes += more
    }
    return bytes
  }

  /// Every remaining byte (for small files: the caller bounds the size).
  public mutating func readToEnd() throws(DataFileError) -> [UInt8] {
    var bytes: [UInt8] = []
    while true {
      let chunk = try read(upTo: 1 << 20)
      if chunk.isEmpty { return bytes }
      bytes += chunk
    }
  }

  /// True when the stream has no bytes left (reading at most one).
  public mutating func isAtEnd() throws(DataFileError) -> Bool {
    try read(upTo: 1).isEmpty
  }
}

/// Bytes already in memory, as a ``ByteStream``.
public struct MemoryByteStream: ByteStream {
  private let bytes: [UInt8]
  private var position = 0

  /// A stream of `bytes`.
  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public var size: Int? { bytes.count }

  public mutating func read(upTo count: Int) throws(DataFileError) -> [UInt8] {
    let end = min(bytes.count, position + count)
    defer { position = end }
    return Array(bytes[position..<end])
  }
}
