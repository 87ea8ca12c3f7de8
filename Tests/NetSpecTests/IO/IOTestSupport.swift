import Foundation
import Testing

/// A fresh directory under the system's temporary directory, removed when
/// the value is deinitialized.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// The path of `name` inside the directory.
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// The names of the directory's entries, hidden ones included, sorted.
  func entries() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
  }
}

/// python3 with NumPy, when installed, for cross-checks against an
/// independent reader and writer.
enum NumPyPython {
  static let hasNumPy = (try? run(["-c", "import numpy"])) != nil

  /// Runs python3 with `arguments` and returns its standard output; throws
  /// with the output and error when it exits with a failure.
  @discardableResult
  static func run(_ arguments: [String]) throws -> String {
    let (status, text) = try ChildProcess.run(["python3"] + arguments)
    guard status == 0 else { throw PythonFailure(output: text) }
    return text
  }

  /// The path of a script in Tests/NetSpecTests/Python.
  static func script(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Python/\(name)")
      .standardizedFileURL.path
  }

  struct PythonFailure: Error, CustomStringConvertible {
    var output: String
    var description: String { "python3 failed: \(output)" }
  }
}
