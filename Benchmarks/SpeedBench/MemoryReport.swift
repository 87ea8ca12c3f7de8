import BenchmarkSupport
import Foundation
import NetSpec

/// The peak RSS of a fresh training process (emitted code, and PyTorch when it
/// runs) against the planned arenas.
enum MemoryReport {
  static func print(_ models: [BenchmarkModel], driver: String, references: References, options: Options) {
    Swift.print()
    Swift.print("Peak RSS of a fresh process training \(options.steps) steps at batch \(benchBatch)")
    Swift.print("(goal: emitted <= 1.2 x activation arena + 30 MB):")
    Swift.print()
    Swift.print("| model | activation arena MB | parameter arena MB | emitted RSS MB | goal MB | PyTorch RSS MB |")
    Swift.print("|---|--:|--:|--:|--:|--:|")
    let directory = URL(fileURLWithPath: driver).deletingLastPathComponent()
    for model in models {
      let plan = try! Planner.plan(model.spec.graph, capacity: benchBatch, training: true)
      let arena = Double(plan.arenaSize * 4) / 1e6
      let emitted = peak(run([driver, "rss", model.name, String(options.steps)], in: directory))
      var pytorch: Double?
      if references.skipped[model.name] == nil, references.hasPython {
        pytorch = peak(
          run(
            [
              references.python, references.script, references.config.path, "1", "rss", model.name,
              String(options.steps),
            ],
            in: directory))
      }
      let cells: [Double?] = [arena, Double(plan.parameterArenaSize * 4) / 1e6, emitted, 1.2 * arena + 30, pytorch]
      Swift.print(
        "| \(model.name) | " + cells.map { $0.map { String(format: "%.1f", $0) } ?? "-" }.joined(separator: " | ")
          + " |")
    }
  }

  /// Megabytes in the `VmHWM:` line of a process's output.
  static func peak(_ output: String) -> Double? {
    peakResidentBytes(status: output).map { Double($0) / 1e6 }
  }
}
