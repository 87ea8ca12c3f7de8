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
    let times = medians(
      threads: threads, interpreters.map { interpreter in { interpreter.forward(batch: batch, training: false) } })
    print(
      "| \(threads) | \(format(times[0])) | \(format(times[1])) | \(ratio(times[0], times[1])) "
        + "| \(threads == 1 ? "thread CPU" : "wall") |")
  }
}
