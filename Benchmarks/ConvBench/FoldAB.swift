import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

// `ConvBench --model SPEC --fold-ab [--threads 1,2] [--rounds 7] [--reps 20]`: inference of
// the spec at batch 64 through two inference plans in one process, without and with the
// `batchnorm-fold` fusion, alternating within every round; prints the median round's time
// per batch of each (thread CPU time on one thread, wall-clock on more) and the arenas.

func compareFold(_ path: String) {
  var diagnostics = DiagnosticBag()
  guard let text = try? String(contentsOfFile: path, encoding: .utf8),
    let spec = Frontend.check(SourceFile(path: path, text: text), &diagnostics)
  else {
    print("cannot load \(path)")
    exit(1)
  }
  let plans = [["batchnorm-fold"], []].map { excluded in
    try! Planner.plan(spec.graph, capacity: batch, training: false, excludingFusions: Set(excluded))
  }
  print("ConvBench: \(path) inference, batch \(batch), median of \(rounds) rounds x \(reps) calls, interleaved")
  print("arena floats: unfused \(plans[0].arenaSize), folded \(plans[1].arenaSize)")
  print("")
  print("| threads | unfused µs | folded µs | speed-up | clock |")
  print("|--:|--:|--:|--:|---|")
  for threads in threadCounts {
    let pool = ComputePool(threadCount: threads)
    let interpreters = plans.map { Interpreter(plan: $0, seed: 1, pool: pool) }
    for interpreter in interpreters {
      let input = interpreter.buffer(of: spec.graph.inputs[0])
      for i in 0..<input.count { input[i] = Float(i % 17) / 17 - 0.5 }
    }
    var times: [[Double]] = [[], []]
    for interpreter in interpreters { interpreter.forward(batch: batch, training: false) }  // warm-up
    for _ in 0..<rounds {
      for (i, interpreter) in interpreters.enumerated() {
        let time = seconds(threadTime: threads == 1) {
          for _ in 0..<reps { interpreter.forward(batch: batch, training: false) }
        }
        times[i].append(time / Double(reps))
      }
    }
    let (old, new) = (times[0].sorted()[rounds / 2], times[1].sorted()[rounds / 2])
    print(
      "| \(threads) | \(String(format: "%.0f", old * 1e6)) | \(String(format: "%.0f", new * 1e6)) "
        + "| \(String(format: "%.2f", old / new))x | \(threads == 1 ? "thread CPU" : "wall") |")
  }
}
