#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file that could not be read or written: its path, what NetSpec was
/// doing and the system's reason.
public struct FileError: Error, Equatable, CustomStringConvertible {
  /// The file concerned.
  public var path: String
  /// `read` or `write`.
  public var action: String
  /// Why it failed, e.g. `open: No such file or directory`.
  public var reason: String

  /// An error about `path`.
  public init(path: String, action: String, reason: String) {
    self.path = path
    self.action = action
    self.reason = reason
  }

  /// `cannot write PATH: REASON`.
  public var description: String { "cannot \(action) \(path): \(reason)" }

  /// The error for writing `path`, after the system call `call` failed
  /// (the reason from `errno`).
  static func writing(_ path: String, _ call: String) -> FileError {
    FileError(path: path, action: "write", reason: "\(call): \(String(cString: strerror(errno)))")
  }

  /// The error for reading `path`, after the system call `call` failed.
  static func reading(_ path: String, _ call: String) -> FileError {
    FileError(path: path, action: "read", reason: "\(call): \(String(cString: strerror(errno)))")
  }
}
