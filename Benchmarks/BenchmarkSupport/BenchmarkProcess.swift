import Foundation

/// Prints `error: message` and exits with status 1.
public func fail(_ message: String) -> Never {
  print("error: \(message)")
  exit(1)
}

/// Runs a command (through /usr/bin/env) in `directory` to its end and returns
/// its standard output and error; exits when it cannot start or fails.
@discardableResult
public func run(_ arguments: [String], in directory: URL) -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = arguments
  process.currentDirectoryURL = directory
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  do { try process.run() } catch { fail("cannot run \(arguments[0]): \(error)") }
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let text = String(decoding: output, as: UTF8.self)
  guard process.terminationStatus == 0 else { fail("`\(arguments.prefix(2).joined(separator: " "))` failed:\n\(text)") }
  return text
}

/// Writes `data` to `url`, creating its folder; exits when it cannot.
public func write(_ data: Data, to url: URL) {
  try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  do { try data.write(to: url) } catch { fail("cannot write \(url.path): \(error)") }
}

/// Seconds since `start` (a `DispatchTime` uptime in nanoseconds).
public func elapsed(_ start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
