import Foundation
import NetSpecDiagnostics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a spec file with system calls that cannot block or read without
/// bound: the path must name a regular file (a FIFO, a device or a socket is
/// refused before it is opened for reading), it is opened non-blocking, and at
/// most one byte past the size limit is read.
enum SpecFileReading {
  /// The outcome of reading a spec file.
  enum Outcome {
    /// The whole file.
    case bytes([UInt8])
    /// The file passes the limit: its first `limit + 1` bytes.
    case tooLarge(prefix: [UInt8], size: Int)
    /// The file cannot be read: the reason and a hint.
    case unreadable(String, help: String)
  }

  static func read(_ path: String, limit: Int) -> Outcome {
    var status = stat()
    guard stat(path, &status) == 0 else { return unreadable(errno, path: path) }
    if let kind = FileType.irregularKind(status.st_mode) {
      return .unreadable("this is \(kind), not a spec file", help: help(kind, path))
    }
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { return unreadable(errno, path: path) }
    defer { close(fd) }
    // The path may have changed between `stat` and `open`: check what was opened.
    guard fstat(fd, &status) == 0 else { return unreadable(errno, path: path) }
    if let kind = FileType.irregularKind(status.st_mode) {
      return .unreadable("this is \(kind), not a spec file", help: help(kind, path))
    }
    var bytes = [UInt8](repeating: 0, count: limit + 1)
    var count = 0
    while count < bytes.count {
      let got = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + count, $0.count - count) }
      if got < 0, errno == EINTR { continue }
      guard got >= 0 else { return unreadable(errno, path: path) }
      if got == 0 { break }
      count += got
    }
    bytes.removeSubrange(count...)
    return count > limit ? .tooLarge(prefix: bytes, size: max(Int(status.st_size), count)) : .bytes(bytes)
  }

  private static func help(_ kind: String, _ path: String) -> String {
    kind == "a directory"
      ? "pass the spec files, e.g. `\(path)/*.yaml`"
      : "pass a regular file; to check generated text, write it to a file first"
  }

  private static func unreadable(_ code: Int32, path: String) -> Outcome {
    switch code {
    case ENOENT, ENOTDIR:
      .unreadable("no such file", help: "check the path; it is relative to the current directory")
    case ELOOP:
      .unreadable(
        "the path is a loop of symbolic links", help: "check where the links in `\(path)` point (`ls -l`)")
    case EACCES, EPERM:
      .unreadable("permission denied", help: "check its permissions")
    default:
      .unreadable(
        "the file cannot be read: \(String(cString: strerror(code)))", help: "check the path and its permissions")
    }
  }
}

/// `read(2)`, named apart from ``SpecFileReading/read(_:limit:)``.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.read(fd, buffer, count)
  #else
    Darwin.read(fd, buffer, count)
  #endif
}
