import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// One run of the built `netspec` executable: what it printed, how it ended,
/// and the resources it used, measured for this child alone (`wait4`).
struct CLIRun: CustomStringConvertible {
  /// The exit status, or nil when the process ended by a signal.
  var status: Int32?
  /// The signal that ended it (including the test's own SIGKILL at the deadline).
  var signal: Int32?
  var stdout: String
  var stderr: String
  /// Peak resident memory in bytes.
  var maxResidentBytes: Int
  /// Whether the deadline passed and the test killed it.
  var timedOut: Bool

  var description: String {
    "status \(status.map(String.init) ?? "-") signal \(signal.map(String.init) ?? "-") "
      + "rss \(maxResidentBytes >> 20) MiB timedOut \(timedOut)\nstderr: \(stderr.prefix(1500))"
  }

  /// The `netspec` beside the test bundle (`swift test` builds it).
  static let executable: String = {
    let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    // The runner may sit inside an `.xctest` bundle directory.
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("netspec").path),
      directory.path != "/"
    {
      directory = directory.deletingLastPathComponent()
    }
    return directory.appendingPathComponent("netspec").path
  }()

  /// Generous bounds for one command on hostile input in a debug build on a
  /// busy machine: a run past either is a hang or a runaway, not slowness.
  static let deadline: Duration = .seconds(60)
  static let memoryLimit = 1 << 30

  /// Runs `netspec arguments...` in `directory` with stdin closed, killing it
  /// at ``deadline``; `environment` adds to (or overrides) the test's own,
  /// and `wrapper` (a command and its arguments) runs netspec when given.
  ///
  /// The peak RSS that `wait4` reports includes this test process's own at
  /// the spawn (Linux keeps the larger of the two across `exec`), so without
  /// a wrapper netspec runs under GNU `time` (`/usr/bin/time`, which CI
  /// installs), which forks it and reports its own peak; a signal that ends
  /// netspec is read from `time`'s report. Without `/usr/bin/time`, the
  /// figure is `wait4`'s, an upper bound.
  static func netspec(
    _ arguments: [String], in directory: URL, environment: [String: String] = [:], wrapper: [String] = []
  ) throws -> CLIRun {
    let out = directory.appendingPathComponent("stdout-\(UUID().uuidString)").path
    let err = directory.appendingPathComponent("stderr-\(UUID().uuidString)").path
    defer {
      unlink(out)
      unlink(err)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    // `sh` changes directory and `exec`s netspec, which keeps the pid `wait4` watches.
    // `env` sets the variables and `exec`s in turn.
    let variables = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    let report = directory.appendingPathComponent("rss-\(UUID().uuidString)").path
    defer { unlink(report) }
    let measures = wrapper.isEmpty && FileManager.default.isExecutableFile(atPath: "/usr/bin/time")
    let runner = measures ? ["/usr/bin/time", "-f", "%M", "-o", report] : wrapper
    let shell =
      ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, "/usr/bin/env"] + variables + runner
      + [executable]
    let argv = (shell + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    // Its own process group, so the deadline kills netspec under `time` too.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw CLIError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
    let start = ContinuousClock.now
    var status: Int32 = 0
    var usage = rusage()
    var timedOut = false
    while true {
      let done = wait4(pid, &status, WNOHANG, &usage)
      if done == pid { break }
      if done < 0, errno != EINTR { throw CLIError("wait4: \(String(cString: strerror(errno)))") }
      if !timedOut, ContinuousClock.now - start > deadline {
        kill(-pid, SIGKILL)
        timedOut = true
      }
      usleep(5_000)
    }
    let exited = status & 0x7F == 0
    var run = CLIRun(
      status: exited ? (status >> 8) & 0xFF : nil, signal: exited ? nil : status & 0x7F,
      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
      maxResidentBytes: usage.ru_maxrss * 1024, timedOut: timedOut)
    // `time` writes "Command terminated by signal N" (or "... exited with
    // non-zero status N") before the peak in KiB.
    if measures, !timedOut, let text = try? String(contentsOfFile: report, encoding: .utf8) {
      let lines = text.split(separator: "\n")
      if let kiB = lines.last.flatMap({ Int($0) }) { run.maxResidentBytes = kiB * 1024 }
      let prefix = "Command terminated by signal "
      if let line = lines.first(where: { $0.hasPrefix(prefix) }), let signal = Int32(line.dropFirst(prefix.count)) {
        (run.status, run.signal) = (nil, signal)
      }
    }
    return run
  }
}

struct CLIError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A folder of fixtures for command-line tests, removed at the end.
final class CLIFolder: Sendable {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-cli-\(UUID().uuidString)")
      .resolvingSymlinksInPath()
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  @discardableResult
  func write(_ name: String, _ text: String) throws -> String {
    try Data(text.utf8).write(to: url.appendingPathComponent(name))
    return name
  }

  @discardableResult
  func write(_ name: String, bytes: [UInt8]) throws -> String {
    try Data(bytes).write(to: url.appendingPathComponent(name))
    return name
  }

  func run(_ arguments: String...) throws -> CLIRun { try CLIRun.netspec(arguments, in: url) }
  func run(_ arguments: [String]) throws -> CLIRun { try CLIRun.netspec(arguments, in: url) }
  func run(_ arguments: [String], environment: [String: String]) throws -> CLIRun {
    try CLIRun.netspec(arguments, in: url, environment: environment)
  }
}
