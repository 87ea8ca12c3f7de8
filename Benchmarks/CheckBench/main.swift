// Front-end throughput: how long `netspec check` takes (read, parse, decode,
// lower, infer, verify `expect`) for ResNet-50 and for generated specs of
// 1,250 to 10,000 layers, in-process, best of several runs.
//
//     swift run -c release CheckBench [--rounds 5]
//
// The generated specs alternate `dense` and `relu` layers, so time per layer
// should stay flat as the layer count grows (linear total time).
//
// Then the hostile specs that take the front end longest (the layer limit
// reached through nested repeats, 10,000 errors) against the 2 s budget for
// rejecting any spec; a spec over budget makes the benchmark exit 1. (The
// test suite checks that they are rejected, not how fast.)

import Foundation
import NetSpec
import NetSpecDiagnostics

let rounds =
  CommandLine.arguments.firstIndex(of: "--rounds").flatMap {
    Int(CommandLine.arguments[$0 + 1])
  } ?? 5

/// Best wall time of `rounds` checks of `file`, in seconds.
func timeCheck(_ file: SourceFile) -> (seconds: Double, layers: Int) {
  var best = Double.infinity
  var layers = 0
  for _ in 0..<rounds {
    var diagnostics = DiagnosticBag()
    let start = DispatchTime.now().uptimeNanoseconds
    let spec = Frontend.check(file, &diagnostics)
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard let spec, !diagnostics.hasErrors else {
      print(HumanRenderer().render(diagnostics.sorted))
      exit(1)
    }
    layers = spec.graph.nodes.count
    best = min(best, elapsed)
  }
  return (best, layers)
}

/// A spec of `count` layers: dense 64 and relu, alternating.
func generatedSpec(layers count: Int) -> SourceFile {
  var text = "netspec: 1\nname: generated\ninputs: {x: [N, 64]}\nlayers:\n"
  for i in 0..<count {
    text += i % 2 == 0 ? "  - dense: {units: 64}\n" : "  - relu\n"
  }
  return SourceFile(path: "generated-\(count).yaml", text: text)
}

func report(_ name: String, _ result: (seconds: Double, layers: Int)) {
  let perLayer = result.seconds / Double(max(result.layers, 1)) * 1e6
  print(
    name.padding(toLength: 24, withPad: " ", startingAt: 0)
      + String(format: "%8d layers %10.2f ms %8.2f us/layer", result.layers, result.seconds * 1e3, perLayer))
}

print("netspec check, best of \(rounds) runs (release build recommended)")
var diagnostics = DiagnosticBag()
let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("specs")
for name in ["resnet50.yaml", "transformer.yaml"] {
  guard let file = Frontend.read(path: specs.appendingPathComponent(name).path, &diagnostics) else {
    print(HumanRenderer().render(diagnostics.sorted))
    exit(1)
  }
  report(name, timeCheck(file))
}
var perLayer: [Double] = []
for count in [1_250, 2_500, 5_000, 10_000] {
  let result = timeCheck(generatedSpec(layers: count))
  report("generated \(count)", result)
  perLayer.append(result.seconds / Double(result.layers))
}
print(String(format: "time per layer, 10,000 vs 1,250 layers: %.2fx (1.00x = linear)", perLayer[3] / perLayer[0]))

/// Best wall time of `rounds` checks of a spec that must be rejected, in seconds.
func timeRejection(_ file: SourceFile) -> Double {
  var best = Double.infinity
  for _ in 0..<rounds {
    var diagnostics = DiagnosticBag()
    let start = DispatchTime.now().uptimeNanoseconds
    _ = Frontend.check(file, &diagnostics)
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    guard diagnostics.hasErrors else {
      print("\(file.path) was accepted")
      exit(1)
    }
  }
  return best
}

let hostileBudget = 2.0
let hostile = [
  (
    "200,000 layers (limit)",
    "netspec: 1\ninputs: {x: [N, 64]}\nblocks:\n  stack:\n    layers:\n      - dense: 64\n        repeat: 500\n"
      + "layers:\n  - stack:\n    repeat: 400\n"
  ),
  (
    "10,000 unknown ops",
    "netspec: 1\ninputs: {x: [N, 64]}\nlayers:\n" + String(repeating: "  - dense_layer: 64\n", count: 10_000)
  ),
  (
    "10,000 duplicate names",
    "netspec: 1\ninputs: {x: [N, 64]}\nlayers:\n"
      + String(repeating: "  - dense: {units: 64, name: fc}\n", count: 10_000)
  ),
]
print(String(format: "hostile specs, budget %.1f s each", hostileBudget))
var overBudget = false
for (name, text) in hostile {
  let seconds = timeRejection(SourceFile(path: "\(name).yaml", text: text))
  overBudget = overBudget || seconds > hostileBudget
  print(
    name.padding(toLength: 24, withPad: " ", startingAt: 0)
      + String(format: "%10.2f ms  ", seconds * 1e3) + (seconds > hostileBudget ? "OVER BUDGET" : "ok"))
}
if overBudget { exit(1) }
