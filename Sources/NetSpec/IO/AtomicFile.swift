import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replaces a file's contents all at once: the bytes go to a temporary file
/// beside the target, are flushed to disk (`fsync`), and the temporary file is
/// renamed over the target. A crash or error at any point leaves the previous
/// file whole; readers never see a partly written one.
enum AtomicFile {
  /// Writes `bytes` to `path` atomically. `beforeRename` runs with the
  /// temporary file's path once it is written and synced; if it throws, the
  /// temporary file is removed, the target left untouched and the error
  /// rethrown (tests use it to simulate a failure at the last moment).
  static func write(
    _ bytes: [UInt8], to path: String, beforeRename: (String) throws -> Void = { _ in }
  ) throws {
    let directory = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary = (directory.isEmpty ? "" : directory + "/") + temporaryName(for: name)
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw FileError.writing(path, "open") }
    do {
      try writeAll(bytes, to: fd, path: path)
      guard fsync(fd) == 0 else { throw FileError.writing(path, "fsync") }
    } catch {
      close(fd)
      unlink(temporary)
      throw error
    }
    guard close(fd) == 0 else {
      let error = FileError.writing(path, "close")
      unlink(temporary)
      throw error
    }
    do {
      try beforeRename(temporary)
      guard rename(temporary, path) == 0 else { throw FileError.writing(path, "rename") }
    } catch {
      unlink(temporary)
      throw error
    }
    syncDirectory(directory.isEmpty ? "." : directory)
  }

  /// A fresh name for the temporary file of `name`:
  /// `.NAME.PID-RANDOM.tmp`, hidden and beside it.
  static func temporaryName(for name: String) -> String {
    ".\(name).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
  }

  /// Whether `entry` is a name ``temporaryName(for:)`` makes for `name`,
  /// that is one a writer killed before its rename may have left behind.
  static func isTemporary(_ entry: String, of name: String) -> Bool {
    let prefix = ".\(name).", suffix = ".tmp"
    guard entry.hasPrefix(prefix), entry.hasSuffix(suffix), entry.count > prefix.count + suffix.count else {
      return false
    }
    let middle = entry.dropFirst(prefix.count).dropLast(suffix.count)
    let parts = middle.split(separator: "-", omittingEmptySubsequences: false)
    return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { "0"..."9" ~= $0 } }
  }

  /// Writes every byte to `fd`, retrying short and interrupted writes.
  static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(FileError) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { raw in
        systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw FileError.writing(path, "write")
      }
      offset += written
    }
  }

  /// Flushes the directory entry of a rename to disk; best effort, since some
  /// file systems cannot sync a directory and the data itself is already safe.
  private static func syncDirectory(_ directory: String) {
    let fd = open(directory, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
  }
}

/// `write(2)`, named apart from the `write` methods around it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
  #else
    Darwin.write(fd, buffer, count)
  #endif
}
