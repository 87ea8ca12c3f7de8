// Emitted Swift (`netspec compile`) against the interpreter, measured in the same run.
//
//     swift run -c release CodegenBench [--steps 50] [--warmup 10] [--rounds 5]
//
// For the MLP 784-256-256-10 (Benchmarks/mlp784.yaml) and LeNet-5 (specs/lenet5.yaml)
// at batch 64: training samples/s (forward + backward + optimizer update on one fixed
// random batch) and inference samples/s (forward in evaluation mode). The emitted
// code is compiled once with `swiftc -O -wmo` and this machine's CPU flags into a
// driver; each round runs the interpreter in this process, then the driver, so load
// from other processes hurts both sides of a round; the table shows the median
// round. Both start from the same weights (`init(seed:)` reproduces the interpreter's
// initialization) and the same batch, loaded once into the input buffers on both
// sides, and the loss after the warm-up steps is printed for both as a check that
// they do the same work.
//
// Also: the wall time of `netspec compile`'s emitter and of `swiftc -O -wmo` on the
// emitted ResNet-18 (specs/resnet18.yaml, as a library).

import BenchmarkSupport
import Foundation
import NetSpec
import NetSpecKernels

struct Options {
  var steps = 50
  var warmup = 10
  var rounds = 5

  init(_ arguments: [String]) {
    var rest = arguments.dropFirst()
    while let argument = rest.popFirst() {
      switch argument {
      case "--steps": steps = Int(rest.popFirst() ?? "") ?? 0
      case "--warmup": warmup = Int(rest.popFirst() ?? "") ?? -1
      case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? 0
      default: Self.usage()
      }
    }
    if steps < 1 || warmup < 0 || rounds < 1 { Self.usage() }
  }

  static func usage() -> Never {
    print("usage: CodegenBench [--steps 50] [--warmup 10] [--rounds 5]")
    exit(2)
  }
}

let options = Options(CommandLine.arguments)
let batch = 64

/// The driver's source for one model: `driver NAME STEPS WARMUP` prints the seconds
/// per training step, per inference pass, and the loss after the warm-up.
func driverCase(_ model: BenchmarkModel) -> String {
  let t = model.typeName
  return """
    case "\(model.name)":
      var random = SplitMix64(seed: 99)
      let inputs = (0..<(\(batch) * \(t).inputCount)).map { _ in 2 * random.nextFloat() - 1 }
      let labels = (0..<\(batch)).map { Float($0 % 10) }
      let trainer = \(t)(seed: 42)
      trainer.input.update(from: inputs, count: inputs.count)
      trainer.target.update(from: labels, count: labels.count)
      let rate = Float(\(model.spec.document.train!.optimizer.learningRate))
      var loss: Float = 0
      func step() {
        trainer.forward(\(batch), training: true)
        loss = trainer.loss
        trainer.backward(\(batch))
        trainer.update(learningRate: rate)
      }
      for _ in 0..<warmup { step() }
      let warmLoss = loss
      let train = time(steps) { step() }
      let predictor = \(t)(seed: 42)
      predictor.input.update(from: inputs, count: inputs.count)
      for _ in 0..<warmup { predictor.infer(\(batch)) }
      let infer = time(steps) { predictor.infer(\(batch)) }
      print(train, infer, warmLoss)

    """
}

/// The driver's main.swift: `driver NAME STEPS WARMUP` runs one model's case.
func driverMain(_ models: [BenchmarkModel]) -> String {
  """
  import Foundation

  func time(_ steps: Int, _ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<steps { body() }
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(steps)
  }

  let arguments = CommandLine.arguments
  let (steps, warmup) = (Int(arguments[2])!, Int(arguments[3])!)
  switch arguments[1] {
  \(models.map(driverCase).joined())default:
    fatalError("unknown model")
  }

  """
}

/// One interpreter round: seconds per training step and per inference pass, and the
/// loss after the warm-up.
func interpreterRound(_ model: BenchmarkModel) -> (train: Double, infer: Double, loss: Float) {
  let graph = model.spec.graph
  let train = model.spec.document.train!
  let trainer = Interpreter(plan: try! Planner.plan(graph, capacity: batch, training: true), seed: 42)
  let inputCount = trainer.plan.buffers[trainer.plan.valueBuffers[graph.inputs[0]]!].perSample
  let (inputs, labels) = fixedBatch(batch, inputCount: inputCount)
  _ = trainer.buffer(of: graph.inputs[0]).update(from: inputs)
  _ = trainer.buffer(of: graph.targets[0]).update(from: labels)
  let optimizer = Optimizer(
    train.optimizer.algorithm, weightDecay: train.weightDecay, count: trainer.plan.trainableCount)
  let lr = Float(train.optimizer.learningRate)
  var loss: Float = 0
  func step() {
    trainer.forward(batch: batch, training: true)
    loss = trainer.loss
    trainer.backward(batch: batch)
    optimizer.step(parameters: trainer.parameters, gradients: trainer.gradients, lr: lr)
  }
  for _ in 0..<options.warmup { step() }
  let warmLoss = loss
  var start = DispatchTime.now().uptimeNanoseconds
  for _ in 0..<options.steps { step() }
  let trainSeconds = elapsed(start) / Double(options.steps)
  let predictor = Interpreter(plan: try! Planner.plan(graph, capacity: batch, training: false), seed: 42)
  _ = predictor.buffer(of: graph.inputs[0]).update(from: inputs)
  for _ in 0..<options.warmup { predictor.forward(batch: batch, training: false) }
  start = DispatchTime.now().uptimeNanoseconds
  for _ in 0..<options.steps { predictor.forward(batch: batch, training: false) }
  return (trainSeconds, elapsed(start) / Double(options.steps), warmLoss)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let models = [
  BenchmarkModel("Benchmarks/mlp784.yaml", typeName: "MLP784"), BenchmarkModel("specs/lenet5.yaml", typeName: "LeNet5"),
]
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-codegen-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: directory) }
let driver = OptimizedBuild.driver(models, capacity: batch, main: driverMain(models), in: directory)
print(
  "Emitted code vs interpreter, batch 64, float32, \(ComputePool.processorCount) threads: median of \(options.rounds) rounds x \(options.steps) steps (after \(options.warmup) warm-up steps)"
)
print(
  String(
    format: "driver (both models and the runtime) compiled in %.1f s with swiftc -O -wmo %@", driver.seconds,
    CompilerFlags.nativeKernels.joined(separator: " ")))
print()
print("| model | pass | interpreter samples/s | emitted samples/s | emitted/interpreter |")
print("|---|---|--:|--:|--:|")
var checks: [String] = []
for model in models {
  var ours: [(train: Double, infer: Double)] = []
  var emitted: [(train: Double, infer: Double)] = []
  var losses: (Float, Float) = (0, 0)
  for _ in 0..<options.rounds {
    let round = interpreterRound(model)
    ours.append((round.train, round.infer))
    let fields = run([driver.binary, model.name, String(options.steps), String(options.warmup)], in: directory)
      .split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
    emitted.append((fields[0], fields[1]))
    losses = (round.loss, Float(fields[2]))
  }
  for (pass, ourTime, theirTime) in [
    ("train", median(ours.map(\.train)), median(emitted.map(\.train))),
    ("inference", median(ours.map(\.infer)), median(emitted.map(\.infer))),
  ] {
    print(
      "| \(model.name) | \(pass) | \(Int(Double(batch) / ourTime)) | \(Int(Double(batch) / theirTime)) | "
        + String(format: "%.2fx", ourTime / theirTime) + " |")
  }
  checks.append("  \(model.name): interpreter \(losses.0), emitted \(losses.1)")
}
print()
print("Same work check: training loss after the warm-up steps (same weights and batch)")
checks.forEach { print($0) }

// Compile time of the emitted ResNet-18.
let resnet = BenchmarkModel("specs/resnet18.yaml", typeName: "Resnet18")
let resnetDirectory = directory.appendingPathComponent("resnet18")
let start = DispatchTime.now().uptimeNanoseconds
let resnetFiles = OptimizedBuild.emit(resnet, capacity: 32)
let emitSeconds = elapsed(start)
let swiftcSeconds = OptimizedBuild.swiftc(
  ["-parse-as-library", "-emit-library", "-o", "libResnet18.so"],
  sources: OptimizedBuild.write(resnetFiles, into: resnetDirectory), in: resnetDirectory)
let lines = resnetFiles[0].contents.split(separator: "\n", omittingEmptySubsequences: false).count
print()
print(
  String(
    format: "ResNet-18: emitted %d lines of model code in %.3f s; swiftc -O -wmo built it with the runtime in %.1f s",
    lines, emitSeconds, swiftcSeconds))
