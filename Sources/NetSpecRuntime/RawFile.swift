import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A data file read with system calls that cannot block or read without
/// bound: the path must name a regular file (a FIFO, a device or a socket is
/// refused before it is opened for reading), it is opened non-blocking, its
/// size is checked against ``NumericArray/maxBytes`` first, and it is read a
/// chunk at a time.
public final class RawFile: ByteStream {
  private let descriptor: Int32
  private let path: String
  private var remaining: Int
  public let size: Int?

  /// Opens the file at `path` for reading.
  public init(_ path: String) throws(DataFileError) {
    var status = stat()
    guard stat(path, &status) == 0 else { throw Self.unreadable(errno, path: path) }
    try Self.checkRegular(status.st_mode, path: path)
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw Self.unreadable(errno, path: path) }
    // The path may have changed between `stat` and `open`: check what was opened.
    guard fstat(descriptor, &status) == 0 else {
      let code = errno
      close(descriptor)
      throw Self.unreadable(code, path: path)
    }
    do { try Self.checkRegular(status.st_mode, path: path) } catch {
      close(descriptor)
      throw error
    }
    let size = Int(status.st_size)
    guard size <= NumericArray.maxBytes else {
      close(descriptor)
      throw DataFileError(
        "the file is \(size) bytes; data files are limited to \(NumericArray.maxBytes >> 20) MiB",
        help: "use a smaller sample of the data")
    }
    self.descriptor = descriptor
    self.path = path
    self.size = size
    // One byte more than the size, to notice a file that grows while read.
    remaining = size + 1
  }

  deinit { close(descriptor) }

  /// The whole contents of the file at `path` (at most ``NumericArray/maxBytes``).
  public static func read(_ path: String) throws(DataFileError) -> [UInt8] {
    var file = try RawFile(path)
    return try file.readToEnd()
  }

  public func read(upTo count: Int) throws(DataFileError) -> [UInt8] {
    let wanted = min(count, remaining)
    guard wanted > 0 else { return [] }
    while true {
      var failure: Int32 = 0
      let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
        let got = systemRead(descriptor, buffer.baseAddress!, wanted)
        failure = got < 0 ? errno : 0
        initialized = max(got, 0)
      }
      if failure == EINTR || failure == EAGAIN { continue }
      guard failure == 0 else { throw Self.unreadable(failure, path: path) }
      remaining -= bytes.count
      if remaining == 0 {
        throw DataFileError(
          "the file grew while it was read", help: "read it once it is complete, or copy it first")
      }
      return bytes
    }
  }

  /// Refuses anything but a regular file, which could block or never end.
  private static func checkRegular(_ mode: mode_t, path: String) throws(DataFileError) {
    switch mode & S_IFMT {
    case S_IFREG: return
    case S_IFDIR:
      throw DataFileError("this is a folder, not a file", help: "name a data file inside `\(path)`")
    default:
      throw DataFileError(
        "this is not a regular file (a FIFO, a device or a socket)", help: "write the data to a file first")
    }
  }

  private static func unreadable(_ code: Int32, path: String) -> DataFileError {
    switch code {
    case ENOENT, ENOTDIR:
      DataFileError("no such file", help: "check that `\(path)` exists")
    case ELOOP:
      DataFileError(
        "the path is a loop of symbolic links", help: "check where the links in `\(path)` point (`ls -l`)")
    case EACCES, EPERM:
      DataFileError("permission denied", help: "check the permissions of `\(path)`")
    default:
      DataFileError(
        "the file cannot be read: \(String(cString: strerror(code)))",
        help: "check that `\(path)` exists and is readable")
    }
  }
}

/// `read(2)`, named apart from ``RawFile/read(upTo:)``.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
  #else
    Darwin.read(descriptor, buffer, count)
  #endif
}
