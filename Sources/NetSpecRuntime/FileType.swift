import Foundation

/// What a path names, for messages that refuse anything but a regular file.
public enum FileType {
  /// What a file of `stat` mode `mode` is (`a directory`, `a FIFO (named
  /// pipe)`, `a device`, `a socket`), or nil for a regular file.
  public static func irregularKind(_ mode: mode_t) -> String? {
    switch mode & S_IFMT {
    case S_IFREG: nil
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO (named pipe)"
    case S_IFCHR, S_IFBLK: "a device"
    case S_IFSOCK: "a socket"
    default: "not a regular file"
    }
  }
}
