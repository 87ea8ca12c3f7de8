// Training and inference throughput of the interpreter against a numpy reference
// measured in the same run.
//
//     swift run -c release TrainBench [--steps 100] [--warmup 10] [--rounds 5] [--threads 1,2]
//                                     [--batch 64] [--models mlp,lenet5] [--no-numpy]
//
// Two models at batch 64: an MLP 784-256-256-10 (ReLU, softmax cross-entropy, SGD
// with momentum 0.9, lr 0.01) from Benchmarks/mlp784.yaml, and LeNet-5 from specs/lenet5.yaml
// (tanh, average pooling, softmax cross-entropy, Adam as its `train:` section says).
// A training step is forward + backward + optimizer update on one fixed random batch
// (data loading excluded; neither spec has a learning-rate schedule or gradient
// clipping, and none is applied); inference is a forward pass in evaluation mode
// through a plan without the loss. Each round builds fresh interpreters from the
// same initial weights, runs `--warmup` steps, then times `--steps` steps; the table
// shows the median round, in samples/s and in GFLOP/s implied by the graph's FLOP
// count (`Graph.forwardFLOPs`; a training step is counted as 3x the forward pass,
// though the first layer computes no input gradient). `--threads` gives the
// interpreter a `ComputePool` of that many threads (GEMMs, im2col and the per-plane
// loops of convolution and pooling split over it; the rest, such as the loss, dense
// activations and the optimizer, runs on the calling thread).
//
// The reference is numpy (float32, OpenBLAS) in a child `python3` with
// OPENBLAS_NUM_THREADS set to the thread count (numpy's element-wise ops use one
// thread whatever it is) and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed, running
// the same layers (derived from the checked graph; convolutions as im2col through
// stride tricks + one GEMM), the same loss and the same optimizer update, from the
// same initial weights on the same batch; the losses of both sides are printed as a
// check that the work is the same. Each round measures NetSpec, then numpy, so a
// burst of load from other processes hurts both sides of one round. The script is
// reference.py beside this file. Without python3 or numpy, only NetSpec's figures print.

import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

struct Options {
  var steps = 100
  var warmup = 10
  var rounds = 5
  var threads = [1, 2]
  var batch = 64
  var models = ["mlp", "lenet5"]
  var numpy = true

  init(_ arguments: [String]) {
    var rest = arguments.dropFirst()
    while let argument = rest.popFirst() {
      switch argument {
      case "--steps": steps = Int(rest.popFirst() ?? "") ?? 0
      case "--warmup": warmup = Int(rest.popFirst() ?? "") ?? -1
      case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? 0
      case "--threads": threads = (rest.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
      case "--batch": batch = Int(rest.popFirst() ?? "") ?? 0
      case "--models": models = (rest.popFirst() ?? "").split(separator: ",").map(String.init)
      case "--no-numpy": numpy = false
      default: Self.usage()
      }
    }
    if steps < 1 || warmup < 0 || rounds < 1 || batch < 1 || threads.isEmpty || threads.contains(where: { $0 < 1 })
      || models.isEmpty || !models.allSatisfy(["mlp", "lenet5"].contains)
    {
      Self.usage()
    }
  }

  static func usage() -> Never {
    print(
      "usage: TrainBench [--steps 100] [--warmup 10] [--rounds 5] [--threads 1,2] [--batch 64] "
        + "[--models mlp,lenet5] [--no-numpy]")
    exit(2)
  }
}

/// One layer of the reference network (the JSON the Python script reads).
struct ReferenceLayer: Encodable {
  var op: String
  var units: Int?
  var filters: Int?
  var bias: Bool?
  var activation: String?
  var kernel: [Int]?
  var stride: [Int]?
  /// Top, left, bottom, right for `conv2d`; rows, columns for pooling.
  var padding: [Int]?
}

/// Why the Python reference cannot run a model.
struct ReferenceUnsupported: Error {
  var message: String
}

/// The per-sample input shape and the layers of a plain chain of layers ending in
/// softmax cross-entropy, which the reference implements; throws for anything else.
func referenceLayers(_ graph: Graph) throws(ReferenceUnsupported) -> (input: [Int], layers: [ReferenceLayer]) {
  guard graph.inputs.count == 1, graph.targets.count == 1, let lossNode = graph.lossNode,
    let crossEntropy = lossNode.op as? CrossEntropyLoss, crossEntropy.labelSmoothing == 0,
    lossNode.inputs.count == 2, lossNode.inputs[1] == graph.targets[0]
  else { throw ReferenceUnsupported(message: "not one input and a cross_entropy loss") }
  guard let input = Array(graph.values[graph.inputs[0]].type.shape.dropFirst()).staticSizes else {
    throw ReferenceUnsupported(message: "the input has symbolic sizes besides N")
  }
  var current = graph.inputs[0]
  var layers: [ReferenceLayer] = []
  for (index, node) in graph.nodes.enumerated() where !(node.op is any LossOperator) {
    guard node.inputs == [current], node.outputs.count == 1, node.buffers.isEmpty,
      node.parameters.allSatisfy({ graph.parameters[$0.id].owner == index && graph.parameters[$0.id].trainable })
    else { throw ReferenceUnsupported(message: "`\(node.name)` is not a plain layer of a chain") }
    let shape = graph.values[current].type.shape.dropFirst().compactMap(\.staticValue)
    switch node.op {
    case let dense as Dense:
      layers.append(
        ReferenceLayer(op: "dense", units: dense.units, bias: dense.bias, activation: dense.activation?.rawValue))
    case let conv as Conv2D:
      guard conv.groups == 1, conv.window.dilation == (1, 1), shape.count == 3 else {
        throw ReferenceUnsupported(message: "`\(node.name)`: groups or dilation")
      }
      let pads = conv.paddings(height: shape[1], width: shape[2])
      layers.append(
        ReferenceLayer(
          op: "conv2d", filters: conv.filters, bias: conv.bias, activation: conv.activation?.rawValue,
          kernel: [conv.window.kernel.0, conv.window.kernel.1], stride: [conv.window.stride.0, conv.window.stride.1],
          padding: [pads.top, pads.left, pads.bottom, pads.right]))
    case let pool as AvgPool2D:
      layers.append(
        ReferenceLayer(
          op: "avgpool2d", kernel: [pool.window.kernel.0, pool.window.kernel.1],
          stride: [pool.window.stride.0, pool.window.stride.1],
          padding: [pool.window.padding.0, pool.window.padding.1]))
    case let pool as MaxPool2D:
      layers.append(
        ReferenceLayer(
          op: "maxpool2d", kernel: [pool.window.kernel.0, pool.window.kernel.1],
          stride: [pool.window.stride.0, pool.window.stride.1],
          padding: [pool.window.padding.0, pool.window.padding.1]))
    case let flatten as Flatten where flatten.startAxis == 1:
      layers.append(ReferenceLayer(op: "flatten"))
    case is ReLU, is Tanh, is Sigmoid:
      layers.append(ReferenceLayer(op: node.opName))
    default:
      throw ReferenceUnsupported(message: "`\(node.name)`: no reference for `\(node.opName)`")
    }
    current = node.outputs[0]
  }
  guard lossNode.inputs[0] == current else { throw ReferenceUnsupported(message: "the loss is not on the last layer") }
  return (input, layers)
}

/// The optimizer as the Python script reads it.
struct OptimizerDescription: Encodable {
  var kind: String
  var lr: Double
  var weightDecay: Double
  var momentum: Double?
  var nesterov: Bool?
  var beta1: Double?
  var beta2: Double?
  var epsilon: Double?
  var decoupledDecay: Double?

  init(_ spec: OptimizerSpec, weightDecay: Double) {
    kind = spec.name
    lr = spec.learningRate
    self.weightDecay = weightDecay
    switch spec.algorithm {
    case .sgd(let momentum, let nesterov):
      (self.momentum, self.nesterov) = (momentum, nesterov)
    case .adam(let adam):
      (beta1, beta2, epsilon) = (adam.beta1, adam.beta2, adam.epsilon)
    case .adamw(let adam, let decay):
      (beta1, beta2, epsilon, decoupledDecay) = (adam.beta1, adam.beta2, adam.epsilon, decay)
    }
  }

  /// `SGD (momentum 0.9, lr 0.01)`, `Adam (lr 0.002)`.
  var label: String {
    switch kind {
    case "sgd":
      "SGD (" + (momentum.map { $0 == 0 ? "" : "\(nesterov == true ? "Nesterov " : "")momentum \($0), " } ?? "")
        + "lr \(lr))"
    default: "\(kind == "adam" ? "Adam" : "AdamW") (lr \(lr))"
    }
  }
}

/// One case of the reference run.
struct ReferenceCase: Encodable {
  var name: String
  var batch: Int
  var input: [Int]
  var layers: [ReferenceLayer]
  var optimizer: OptimizerDescription
  /// Raw float32 files: initial parameters (each layer's weight, then bias, in
  /// layer order), the input batch and the labels (class indices as floats).
  var parameters: String
  var inputs: String
  var labels: String
}

/// The whole reference configuration, a JSON file named on the script's command line.
struct ReferenceConfiguration: Encodable {
  var cases: [ReferenceCase]
  var warmup: Int
  var steps: Int
}

/// A model under test with its fixed batch and initial weights.
struct Model {
  var name: String
  var title: String
  var spec: CheckedSpec
  var optimizer: OptimizerSpec
  var weightDecay: Double
  /// Forward FLOPs of one batch (without the loss).
  var forwardFLOPs: Double
  var inputs: [Float]
  var labels: [Float]
  /// The whole parameter arena of a fresh interpreter, copied into every interpreter.
  var initialParameters: [Float]
  /// The same weights in the reference's order: each layer's weight, then its bias.
  var referenceParameters: [Float]
  /// The reference's view of the model, or why it has none.
  var reference: Result<(input: [Int], layers: [ReferenceLayer]), ReferenceUnsupported>
}

/// Uniform floats in [0, 1) from a 64-bit LCG.
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
  var state = seed
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(state >> 40) / Float(1 << 24)
  }
}

/// Checks `file` and prepares the model's batch and initial weights; exits on errors.
func makeModel(name: String, title: String, file: SourceFile, batch: Int) -> Model {
  var diagnostics = DiagnosticBag()
  guard let spec = Frontend.check(file, &diagnostics), let train = spec.document.train else {
    print(HumanRenderer().render(diagnostics.sorted))
    print("TrainBench: \(file.path) did not check or has no `train:` section")
    exit(1)
  }
  let graph = spec.graph
  guard let flops = graph.forwardFLOPs.evaluate(["N": batch]) else {
    print("TrainBench: \(file.path): the FLOP count `\(graph.forwardFLOPs)` depends on more than N")
    exit(1)
  }
  let plan: ExecutionPlan
  do {
    plan = try Planner.plan(graph, capacity: batch, training: true)
  } catch {
    print("TrainBench: \(file.path): \(error)")
    exit(1)
  }
  let interpreter = Interpreter(plan: plan, seed: 42, pool: ComputePool(threadCount: 1))
  let classes = graph.values[graph.lossNode!.inputs[0]].type.shape.last!
  let labels = randomFloats(batch, seed: 2).map { ($0 * Float(classes.staticValue!)).rounded(.down) }
  let reference = Result<(input: [Int], layers: [ReferenceLayer]), ReferenceUnsupported> {
    () throws(ReferenceUnsupported) in try referenceLayers(graph)
  }
  return Model(
    name: name, title: title, spec: spec, optimizer: train.optimizer, weightDecay: train.weightDecay,
    forwardFLOPs: Double(flops), inputs: randomFloats(interpreter.buffer(of: graph.inputs[0]).count, seed: 1),
    labels: labels,
    initialParameters: Array(UnsafeBufferPointer(start: interpreter.parameters, count: plan.parameterArenaSize)),
    referenceParameters: graph.nodes.flatMap { $0.parameters.flatMap { interpreter.parameter($0.id) } },
    reference: reference)
}

/// A spec of this package (`specs/lenet5.yaml`, `Benchmarks/mlp784.yaml`), from
/// under the current directory or next to this source file.
func specFile(_ path: String) -> SourceFile {
  let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let candidates = [
    URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path),
    packageRoot.appendingPathComponent(path),
  ]
  var diagnostics = DiagnosticBag()
  for url in candidates where FileManager.default.fileExists(atPath: url.path) {
    if let file = Frontend.read(path: url.path, &diagnostics) { return file }
  }
  print(HumanRenderer().render(diagnostics.sorted))
  print("TrainBench: \(path) not found in \(candidates.map(\.path).joined(separator: " or "))")
  exit(1)
}

/// Seconds per step of one timed round, and the losses of the first and the last
/// warm-up step of training.
struct RoundResult {
  var train: Double
  var infer: Double
  var firstLoss: Double?
  var warmLoss: Double?
}

/// Mean wall-clock seconds per call over `steps` calls of `body`.
func seconds(_ steps: Int, _ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  for _ in 0..<steps { body() }
  return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(steps)
}

/// A fresh interpreter for `model` holding its initial weights and batch.
func makeInterpreter(for model: Model, batch: Int, training: Bool, pool: ComputePool) -> Interpreter {
  let graph = model.spec.graph
  let plan = try! Planner.plan(graph, capacity: batch, training: training)
  let interpreter = Interpreter(plan: plan, seed: 42, pool: pool)
  precondition(plan.parameterArenaSize == model.initialParameters.count)
  model.initialParameters.withUnsafeBufferPointer {
    interpreter.parameters.update(from: $0.baseAddress!, count: $0.count)
  }
  _ = interpreter.buffer(of: graph.inputs[0]).update(from: model.inputs)
  if training { _ = interpreter.buffer(of: graph.targets[0]).update(from: model.labels) }
  return interpreter
}

/// One round of NetSpec's interpreter on `model`.
func measureOurs(_ model: Model, options: Options, pool: ComputePool) -> RoundResult {
  let batch = options.batch
  let trainer = makeInterpreter(for: model, batch: batch, training: true, pool: pool)
  let optimizer = Optimizer(
    model.optimizer.algorithm, weightDecay: model.weightDecay, count: trainer.plan.trainableCount, pool: pool)
  let lr = Float(model.optimizer.learningRate)
  func step() {
    trainer.forward(batch: batch, training: true)
    trainer.backward(batch: batch)
    optimizer.step(parameters: trainer.parameters, gradients: trainer.gradients, lr: lr)
  }
  var losses: [Double] = []
  for _ in 0..<max(1, options.warmup) {
    step()
    losses.append(Double(trainer.loss))
  }
  let train = seconds(options.steps, step)
  let inference = makeInterpreter(for: model, batch: batch, training: false, pool: pool)
  let forward = { inference.forward(batch: batch, training: false) }
  for _ in 0..<options.warmup { forward() }
  let infer = seconds(options.steps, forward)
  return RoundResult(train: train, infer: infer, firstLoss: losses.first, warmLoss: losses.last)
}

/// Writes the models' weights and batches to `directory` and returns the cases the
/// reference can run.
func referenceCases(_ models: [Model], batch: Int, directory: URL) throws -> [ReferenceCase] {
  var cases: [ReferenceCase] = []
  for model in models {
    guard case .success(let reference) = model.reference else { continue }
    func write(_ values: [Float], _ suffix: String) throws -> String {
      let url = directory.appendingPathComponent("\(model.name).\(suffix).f32")
      try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: url) }
      return url.path
    }
    cases.append(
      ReferenceCase(
        name: model.name, batch: batch, input: reference.input, layers: reference.layers,
        optimizer: OptimizerDescription(model.optimizer, weightDecay: model.weightDecay),
        parameters: try write(model.referenceParameters, "parameters"), inputs: try write(model.inputs, "inputs"),
        labels: try write(model.labels, "labels")))
  }
  return cases
}

/// The reference's results of one round, by model name, and the OpenBLAS kernel.
struct ReferenceRound {
  var results: [String: RoundResult] = [:]
  var unsupported: [String: String] = [:]
  var kernel = "?"
  /// Set when the reference could not run at all.
  var failure: String?
}

/// The numpy reference, `reference.py` beside this file (found from the source tree,
/// where the benchmark runs).
let referenceScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("reference.py").path

/// One round of the numpy reference in a child `python3` using `threads` BLAS threads;
/// `configuration` is the path of the JSON ``ReferenceConfiguration``.
func measureNumpy(configuration: String, threads: Int) -> ReferenceRound {
  var round = ReferenceRound()
  var environment = ProcessInfo.processInfo.environment
  environment["OPENBLAS_CORETYPE"] = nil
  environment["OPENBLAS_L2_SIZE"] = nil
  environment["OPENBLAS_NUM_THREADS"] = String(threads)
  environment["OMP_NUM_THREADS"] = String(threads)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", referenceScript, configuration]
  process.environment = environment
  let (output, errors) = (Pipe(), Pipe())
  process.standardOutput = output
  process.standardError = errors
  do {
    try process.run()
  } catch {
    round.failure = "python3 not run: \(error)"
    return round
  }
  let data = output.fileHandleForReading.readDataToEndOfFile()
  let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
    let words = line.split(separator: " ", maxSplits: 2).map(String.init)
    guard words.count >= 2 else { continue }
    switch words[0] {
    case "kernel": round.kernel = words.dropFirst().joined(separator: " ")
    case "missing": round.failure = "numpy not importable (" + words.dropFirst().joined(separator: " ") + ")"
    case "unsupported": round.unsupported[words[1]] = words.count > 2 ? words[2] : "?"
    case "train", "infer":
      let numbers = line.split(separator: " ").dropFirst(2).compactMap { Double($0) }
      guard let seconds = numbers.first else { continue }
      if words[0] == "train" {
        round.results[words[1]] = RoundResult(
          train: seconds, infer: .nan, firstLoss: numbers.dropFirst().first, warmLoss: numbers.dropFirst(2).first)
      } else {
        round.results[words[1]]?.infer = seconds
      }
    default: continue
    }
  }
  if round.failure == nil, process.terminationStatus != 0 {
    let lastLine = errorText.split(separator: "\n").last.map(String.init) ?? ""
    round.failure = "python3 exited with status \(process.terminationStatus): \(lastLine)"
  }
  return round
}

func median(_ values: [Double]) -> Double? {
  let sorted = values.filter { !$0.isNaN }.sorted()
  guard !sorted.isEmpty else { return nil }
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// MARK: - Run

let options = Options(CommandLine.arguments)
let models = options.models.map { name in
  name == "mlp"
    ? makeModel(
      name: name, title: "MLP 784-256-256-10", file: specFile("Benchmarks/mlp784.yaml"),
      batch: options.batch)
    : makeModel(name: name, title: "LeNet-5", file: specFile("specs/lenet5.yaml"), batch: options.batch)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
  "TrainBench-\(ProcessInfo.processInfo.processIdentifier)")
let configuration = directory.appendingPathComponent("configuration.json").path
var referenceProblem: String?
if options.numpy {
  do {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let cases = try referenceCases(models, batch: options.batch, directory: directory)
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    try encoder.encode(ReferenceConfiguration(cases: cases, warmup: options.warmup, steps: options.steps))
      .write(to: URL(fileURLWithPath: configuration))
  } catch {
    referenceProblem = "could not write the reference's data: \(error)"
  }
} else {
  referenceProblem = "not run (--no-numpy)"
}

let pools = Dictionary(uniqueKeysWithValues: options.threads.map { ($0, ComputePool(threadCount: $0)) })
/// Rounds by side ("ours", "numpy"), model name and thread count.
var rounds: [String: [String: [Int: [RoundResult]]]] = [:]
var unsupported: [String: String] = [:]
var kernel = "not measured"
for _ in 0..<options.rounds {
  for threads in options.threads {
    for model in models {
      rounds["ours", default: [:]][model.name, default: [:]][threads, default: []].append(
        measureOurs(model, options: options, pool: pools[threads]!))
    }
    guard referenceProblem == nil else { continue }
    let round = measureNumpy(configuration: configuration, threads: threads)
    if let failure = round.failure {
      referenceProblem = failure
      continue
    }
    kernel = round.kernel
    unsupported.merge(round.unsupported) { a, _ in a }
    for (name, result) in round.results {
      rounds["numpy", default: [:]][name, default: [:]][threads, default: []].append(result)
    }
  }
}
try? FileManager.default.removeItem(at: directory)

print(
  "Interpreter throughput, batch \(options.batch), float32: median of \(options.rounds) rounds x \(options.steps) "
    + "steps (after \(options.warmup) warm-up steps per round)")
print("numpy reference: " + (referenceProblem.map { "missing, \($0)" } ?? kernel))
for model in models {
  let description = OptimizerDescription(model.optimizer, weightDecay: model.weightDecay)
  let megaFLOPs = String(format: "%.3f", model.forwardFLOPs / Double(options.batch) * 1e-6)
  print(
    "\(model.title): \(megaFLOPs) MFLOP forward per sample, \(description.label)"
      + (model.weightDecay == 0 ? "" : ", weight decay \(model.weightDecay)"))
  if case .failure(let problem) = model.reference {
    print("  no numpy reference: \(problem.message)")
  } else if let problem = unsupported[model.name] {
    print("  no numpy reference: \(problem)")
  }
}

print("\n| model | pass | threads | NetSpec samples/s | GFLOP/s | numpy samples/s | GFLOP/s | NetSpec/numpy |")
print("|---|---|--:|--:|--:|--:|--:|--:|")
for (pass, factor) in [("train", 3.0), ("inference", 1.0)] {
  for model in models {
    for threads in options.threads {
      func perStep(_ side: String) -> Double? {
        median(rounds[side]?[model.name]?[threads]?.map { pass == "train" ? $0.train : $0.infer } ?? [])
      }
      let ours = perStep("ours")!
      let numpy = perStep("numpy")
      let flops = model.forwardFLOPs * factor
      let format = { (seconds: Double?) -> (String, String) in
        guard let seconds else { return ("-", "-") }
        return (String(format: "%.0f", Double(options.batch) / seconds), String(format: "%.1f", flops / seconds * 1e-9))
      }
      let (oursRate, oursGFLOPs) = format(ours)
      let (numpyRate, numpyGFLOPs) = format(numpy)
      print(
        "| \(model.title) | \(pass) | \(threads) | \(oursRate) | \(oursGFLOPs) | \(numpyRate) | \(numpyGFLOPs) | "
          + (numpy.map { String(format: "%.2fx", $0 / ours) } ?? "-") + " |")
    }
  }
}

print("\nSame work check: training loss at step 1 and at step \(max(1, options.warmup)) (same weights and batch)")
for model in models {
  for threads in options.threads {
    let first = { (side: String) in rounds[side]?[model.name]?[threads]?.first }
    guard let ours = first("ours") else { continue }
    let numpy = first("numpy")
    let text = { (loss: Double?) in loss.map { String(format: "%.5f", $0) } ?? "-" }
    print(
      "  \(model.title), \(threads) thread\(threads == 1 ? "" : "s"): NetSpec \(text(ours.firstLoss)) -> "
        + "\(text(ours.warmLoss)), numpy \(text(numpy?.firstLoss)) -> \(text(numpy?.warmLoss))")
  }
}
