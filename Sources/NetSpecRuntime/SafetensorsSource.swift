import Foundation

/// A safetensors file opened for reading in bounded memory: the path must
/// name a regular file (a FIFO, a device such as `/dev/zero`, a directory or
/// a socket is refused before it is read), the 8-byte header length is checked
/// against ``maxHeaderLength`` and the file size before the header is read,
/// and tensor bytes are read only when asked for, range by range.
///
/// ```swift
/// let source = try SafetensorsSource(path: "weights.safetensors")
/// let header = source.header                   // the JSON header's bytes
/// let bytes = try source.data(0..<16)          // the first 16 bytes of the data section
/// ```
public final class SafetensorsSource {
  /// Why a file cannot be opened, or read, as safetensors.
  public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system refused; its reason, e.g. `open: No such file or directory`.
    case io(String)
    /// The path names something other than a regular file: what it is
    /// (`a directory`, `a FIFO (named pipe)`, `a device`, `a socket`).
    case notRegularFile(String)
    /// The file is shorter than the 8-byte header length.
    case tooShort(fileSize: Int)
    /// The header length is above ``SafetensorsSource/maxHeaderLength``.
    case headerTooLarge(length: UInt64)
    /// The header length runs past the end of the file.
    case headerPastEnd(length: UInt64, fileSize: Int)

    /// The failure in words.
    public var description: String {
      switch self {
      case .io(let reason): "cannot read the file: \(reason)"
      case .notRegularFile(let kind): "cannot read the file: this is \(kind), not a weights file"
      case .tooShort(let size): "not a safetensors file: \(size) bytes, too short for the 8-byte header length"
      case .headerTooLarge(let length):
        "not a safetensors file: header length \(length) is above the limit of \(maxHeaderLength) bytes"
      case .headerPastEnd(let length, let size):
        "header length \(length) runs past the end of the file (\(size) bytes); is the file truncated?"
      }
    }
  }

  /// The largest header accepted, as in the reference implementation: 100 MB.
  public static let maxHeaderLength = 100_000_000

  /// The file's size in bytes, when it was opened.
  public let fileSize: Int
  /// The JSON header's bytes (padding included).
  public let header: [UInt8]
  /// The size of the data section: everything after the header.
  public var dataSize: Int { fileSize - 8 - header.count }

  private let descriptor: Int32

  /// Opens the file at `path` and reads its header, nothing more.
  public init(path: String) throws(Failure) {
    var status = stat()
    guard stat(path, &status) == 0 else { throw Self.systemFailure("stat") }
    if let kind = FileType.irregularKind(status.st_mode) { throw Failure.notRegularFile(kind) }
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw Self.systemFailure("open") }
    let size: Int
    let header: [UInt8]
    do throws(Failure) {
      // The path may have changed between `stat` and `open`: check what was opened.
      guard fstat(descriptor, &status) == 0 else { throw Self.systemFailure("fstat") }
      if let kind = FileType.irregularKind(status.st_mode) { throw Failure.notRegularFile(kind) }
      size = Int(status.st_size)
      let length = try Self.headerLength(Self.read(descriptor, at: 0, count: min(8, size)), fileSize: size)
      header = try Self.read(descriptor, at: 8, count: length)
    } catch {
      close(descriptor)
      throw error
    }
    self.descriptor = descriptor
    self.fileSize = size
    self.header = header
  }

  deinit { close(descriptor) }

  /// The bytes at `range` of the data section; the range must lie inside it.
  public func data(_ range: Range<Int>) throws(Failure) -> [UInt8] {
    precondition(range.lowerBound >= 0 && range.upperBound <= dataSize, "a range outside the data section")
    return try Self.read(descriptor, at: 8 + header.count + range.lowerBound, count: range.count)
  }

  /// The header length that the first bytes of a file of `fileSize` bytes
  /// give, checked against the limit and the size: the single check that
  /// every reader of the format (files and bytes in memory) goes through.
  public static func headerLength(_ prefix: some Collection<UInt8>, fileSize: Int) throws(Failure) -> Int {
    guard fileSize >= 8, prefix.count >= 8 else { throw Failure.tooShort(fileSize: fileSize) }
    let length = prefix.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard length <= UInt64(maxHeaderLength) else { throw Failure.headerTooLarge(length: length) }
    guard Int(length) <= fileSize - 8 else { throw Failure.headerPastEnd(length: length, fileSize: fileSize) }
    return Int(length)
  }

  /// Exactly `count` bytes at `offset`; a file that ends early (it shrank
  /// after it was opened) is reported as truncated.
  private static func read(_ descriptor: Int32, at offset: Int, count: Int) throws(Failure) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let got = bytes.withUnsafeMutableBytes {
        pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done))
      }
      if got < 0, errno == EINTR { continue }
      guard got >= 0 else { throw systemFailure("read") }
      guard got > 0 else {
        throw Failure.io("the file ended at byte \(offset + done) while it was read; it is truncated")
      }
      done += got
    }
    return bytes
  }

  /// The failure of system call `call`, with the reason `errno` gives.
  private static func systemFailure(_ call: String) -> Failure {
    Failure.io("\(call): " + String(cString: strerror(errno)))
  }
}
