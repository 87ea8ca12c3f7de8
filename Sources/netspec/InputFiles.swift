import ArgumentParser
import Foundation

/// Files named by options (`--weights`, `--input`): a path that names no
/// regular file is a usage problem, exit 2, found before any work starts
/// (the spec and data files are checked by the front end and the data
/// pipeline, with diagnostics).
enum InputFiles {
  /// Returns when `path` names a regular file that can be opened for
  /// reading; otherwise prints `error: --option `path`: reason` and exits 2.
  static func require(_ path: String, option: String) throws {
    var status = stat()
    let problem: String?
    if stat(path, &status) != 0 {
      problem = errno == ELOOP ? "the path is a loop of symbolic links" : "no such file"
    } else if status.st_mode & S_IFMT == S_IFDIR {
      problem = "this is a directory, not a file"
    } else if status.st_mode & S_IFMT != S_IFREG {
      problem = "this is not a regular file"
    } else if access(path, R_OK) != 0 {
      problem = "permission denied"
    } else {
      problem = nil
    }
    guard let problem else { return }
    Console.printError("error: \(option) `\(path)`: \(problem)\n")
    throw ExitCode.unreadable
  }
}
