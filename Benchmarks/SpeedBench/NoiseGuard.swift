import Foundation

/// CPU time counters from /proc, in clock ticks: the whole machine's busy and total
/// time (/proc/stat) and the time of this process and of the child being measured
/// (/proc/self/stat, /proc/PID/stat: user + system, all threads).
struct CPUSample {
  var busy: Int
  var total: Int
  var ours: Int

  /// Reads the counters now; nil where /proc is missing (then no sample is discarded).
  init?(child: Int32?) {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
      let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return nil }
    let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
    guard fields.count >= 5 else { return nil }
    total = fields.prefix(8).reduce(0, +)
    busy = total - fields[3] - fields[4]  // minus idle and iowait
    ours = Self.processTicks("self") + (child.map { Self.processTicks(String($0)) } ?? 0)
  }

  /// utime + stime of /proc/PROCESS/stat (fields 14 and 15; the command name in
  /// parentheses may hold spaces, so fields are counted after its closing parenthesis).
  static func processTicks(_ process: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
    return user + system
  }
}

/// Discards measurements during which other processes used the CPU: the share of
/// all processors' time that went to processes other than this one and the measured
/// child, over the measurement, must stay at or below `threshold`. One clock tick
/// (10 ms) is forgiven as rounding, so measurements should last well over 0.1 s.
struct NoiseGuard {
  var threshold: Double
  var retakes: Int
  private(set) var discarded = 0
  private(set) var keptNoisy = 0

  /// Runs `measure` until a run is quiet, at most `retakes + 1` times; returns the
  /// last run's result.
  mutating func measure<T>(child: Int32?, _ measure: () -> T) -> T {
    var attempt = 0
    while true {
      let before = CPUSample(child: child)
      let result = measure()
      guard let before, let after = CPUSample(child: child) else { return result }
      let total = max(1, after.total - before.total)
      let others = max(0, (after.busy - before.busy) - (after.ours - before.ours) - 1)
      if Double(others) / Double(total) <= threshold { return result }
      if attempt == retakes {
        keptNoisy += 1
        return result
      }
      discarded += 1
      attempt += 1
    }
  }
}

/// The peak resident set size of a process that has exited, from its own report, or
/// of this process (`VmHWM` in /proc/self/status), in bytes.
func peakResidentBytes(status text: String) -> Int? {
  guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
  else { return nil }
  return kilobytes * 1024
}
