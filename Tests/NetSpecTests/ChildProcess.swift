import Foundation

/// A command the tests run to its end: `python3`, `swiftc`, an emitted binary, `sh`.
enum ChildProcess {
  /// Runs `arguments` through /usr/bin/env (so the command is found on PATH) in
  /// `directory` (nil: the current one), with `environment` over the test's own;
  /// returns the exit status and the standard output and error together.
  static func run(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
  ) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
  }
}
