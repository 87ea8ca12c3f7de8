import Foundation

/// A child process that answers one line on standard output for each request line
/// on standard input (the emitted driver and reference.py in server mode).
final class Worker {
  let name: String
  private let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var buffer = Data()

  /// Starts `arguments` (through /usr/bin/env) with `environment` added to ours;
  /// nil when it cannot start.
  init?(name: String, _ arguments: [String], environment: [String: String], directory: URL) {
    self.name = name
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = input
    process.standardOutput = output
    do { try process.run() } catch { return nil }
  }

  var pid: Int32 { process.processIdentifier }

  /// Sends `request` and returns the reply line; nil when the worker has exited.
  func ask(_ request: String) -> String? {
    input.fileHandleForWriting.write(Data((request + "\n").utf8))
    return readLine()
  }

  /// The next line the worker writes; nil at end of file.
  func readLine() -> String? {
    while true {
      if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
        buffer.removeSubrange(buffer.startIndex...newline)
        return line
      }
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { return nil }
      buffer.append(chunk)
    }
  }

  /// Closes its input (the request loop ends) and waits for it.
  func stop() {
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
  }
}
