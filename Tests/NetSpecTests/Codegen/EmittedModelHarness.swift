import Foundation
import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec

/// Compiles emitted code for a set of specs once per test run, with a driver
/// that replays a fixed script on each model and writes what it computed:
///
/// 1. an inference pass (`predict`) → the outputs;
/// 2. forward in training mode and backward → the loss and every gradient;
/// 3. ten training steps → the trainable parameters;
/// 4. an inference pass again, on the trained weights and running
///    statistics (a `batchnorm-fold` then folds statistics of its own) → the outputs.
///
/// The interpreter runs the same script in ``EmittedModelTests``.
enum EmittedModelHarness {
  /// One model under test: its spec, batch capacity and the batch it sees.
  struct Case: Sendable {
    var name: String
    var yaml: String
    /// Where the spec sits (relative data paths resolve from it).
    var path: String
    /// `--set name=value` overrides shrinking a seed spec (``SeedSpecs``).
    var overrides: [String] = []
    var capacity: Int
    var batch: Int
    /// Sizes of symbolic dims other than `N` (sequence lengths).
    var bindings: [String: Int] = [:]
    /// For int32 inputs (token ids): ids are drawn from `0..<idRange`.
    var idRange = 10
  }

  /// What the emitted model computed for one case.
  struct Results {
    var outputs: [Float]
    var loss: Float
    var gradients: [Float]
    var parameters: [Float]
    /// The outputs of the inference pass after training.
    var trainedOutputs: [Float]
  }

  static let seed: UInt64 = 5
  static let steps = 10

  static func check(_ c: Case) throws -> CheckedSpec {
    var diagnostics = DiagnosticBag()
    let options = try SeedSpecs.options(set: c.overrides)
    guard let spec = Frontend.check(SourceFile(path: c.path, text: c.yaml), options: options, &diagnostics) else {
      throw HarnessError("\(c.name) does not check: \(diagnostics.diagnostics.map(\.message))")
    }
    return spec
  }

  /// The model's inputs in the spec's order with their floats per sample: a
  /// sample of the batch holds them side by side (as emitted `loadInputs`).
  static func inputLayout(_ spec: CheckedSpec, _ plan: ExecutionPlan) -> [(value: ValueID, count: Int)] {
    spec.graph.inputs.map { ($0, plan.buffers[plan.valueBuffers[$0]!].perSample) }
  }

  /// Deterministic inputs and targets for a case (class indices for integer targets).
  static func batch(_ spec: CheckedSpec, _ c: Case) -> (inputs: [Float], targets: [Float]) {
    let plan = try! Planner.plan(spec.graph, capacity: c.capacity, bindings: c.bindings, training: true)
    // Whether each float of a sample is a token id.
    let ids = inputLayout(spec, plan).flatMap { input in
      Array(repeating: spec.graph.values[input.value].type.dtype == .int32, count: input.count)
    }
    var random = SplitMix64(seed: 77)
    let inputs = (0..<(c.batch * ids.count)).map { i in
      ids[i % ids.count] ? Float(Int(random.nextFloat() * Float(c.idRange)) % c.idRange) : 2 * random.nextFloat() - 1
    }
    // A loss that reads no data target (an autoencoder's is its input) takes none.
    guard let target = spec.graph.targets.first else { return (inputs, []) }
    let targetCount = plan.buffers[plan.valueBuffers[target]!].perSample
    let targets: [Float]
    if spec.graph.values[target].type.dtype == .int32 {
      let lossNode = spec.graph.nodes.first { $0.inputs.contains(target) }!
      let logits = spec.graph.values[lossNode.inputs[0]].type.shape
      let axis = (lossNode.op as? CrossEntropyLoss)?.classAxis(rank: logits.count) ?? logits.count - 1
      let classes = logits[axis].staticValue!
      targets = (0..<(c.batch * targetCount)).map { _ in Float(Int(random.nextFloat() * Float(classes)) % classes) }
    } else if spec.graph.nodes.contains(where: { $0.op is BinaryCrossEntropyLoss }) {
      targets = (0..<(c.batch * targetCount)).map { _ in random.nextFloat() < 0.5 ? 0 : 1 }
    } else {
      targets = (0..<(c.batch * targetCount)).map { _ in random.nextFloat() }
    }
    return (inputs, targets)
  }

  /// The cases to run: all of them, or those named in the comma-separated
  /// `NETSPEC_EMITTED_CASES` (to work on some while others cannot compile yet).
  static let selectedCases: [Case] = {
    guard let names = ProcessInfo.processInfo.environment["NETSPEC_EMITTED_CASES"] else {
      return EmittedModelTests.cases
    }
    let selected = Set(names.split(separator: ",").map(String.init))
    return EmittedModelTests.cases.filter { selected.contains($0.name) }
  }()

  /// The results of every selected case, compiled and run once per process.
  static let results: Result<[String: Results], HarnessError> = Result { try run(selectedCases) }
    .mapError { $0 as? HarnessError ?? HarnessError("\($0)") }

  private static func run(_ cases: [Case]) throws -> [String: Results] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "netspec-emitted-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var sources: [URL] = []
    func write(_ path: String, _ text: String) throws {
      let url = directory.appendingPathComponent(path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
      if path.hasSuffix(".swift") { sources.append(url) }
    }
    var driver = "import Foundation\n\n"
    for (index, c) in cases.enumerated() {
      let spec = try check(c)
      let files = try SwiftEmitter.emit(
        spec, capacity: c.capacity, bindings: c.bindings, sourceName: "\(c.name).yaml", typeName: "Model\(index)")
      for file in files where index == 0 || file.path != SwiftEmitter.runtimeFileName {
        try write(file.path, file.contents)
      }
      let (inputs, targets) = batch(spec, c)
      let load =
        spec.graph.inputs.count > 1
        ? "model.loadInputs(inputs, count: \(c.batch))" : "model.input.update(from: inputs, count: inputs.count)"
      try Data(floats: inputs).write(to: directory.appendingPathComponent("\(c.name).inputs"))
      try Data(floats: targets).write(to: directory.appendingPathComponent("\(c.name).targets"))
      driver += """
        do {
          let model = Model\(index)(seed: \(seed))
          let inputs = read("\(c.name).inputs"), targets = read("\(c.name).targets")
          var out = [Float](repeating: 0, count: \(c.batch) * Model\(index).outputCount)
          model.predict(inputs: inputs, count: \(c.batch), into: &out)
          \(load)
          model.target.update(from: targets, count: targets.count)
          model.forward(\(c.batch), training: true)
          out.append(model.loss)
          model.backward(\(c.batch))
          out += Array(UnsafeBufferPointer(start: model.gradients, count: Model\(index).parameterCount))
          for _ in 0..<\(steps) { _ = model.trainStep(inputs: inputs, targets: targets, count: \(c.batch)) }
          out += Array(UnsafeBufferPointer(start: model.parameters, count: Model\(index).parameterCount))
          var trained = [Float](repeating: 0, count: \(c.batch) * Model\(index).outputCount)
          model.predict(inputs: inputs, count: \(c.batch), into: &trained)
          out += trained
          _ = FileManager.default.createFile(atPath: "\(c.name).results", contents: out.withUnsafeBytes { Data($0) })
        }

        """
    }
    driver += """
      func read(_ path: String) -> [Float] {
        let data = FileManager.default.contents(atPath: path)!
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      }

      """
    try write("main.swift", driver)
    let binary = directory.appendingPathComponent("driver").path
    try runProcess(
      ["swiftc", "-Onone", "-swift-version", "6", "-warnings-as-errors", "-o", binary] + CompilerFlags.nativeKernels
        + sources.map(\.path), in: directory)
    try runProcess([binary], in: directory)
    var results: [String: Results] = [:]
    for c in cases {
      let spec = try check(c)
      let plan = try Planner.plan(spec.graph, capacity: c.capacity, bindings: c.bindings, training: true)
      let outputCount = plan.buffers[
        plan.valueBuffers[spec.graph.lossNode!.inputs[0]]!
      ].perSample
      let data = try Data(contentsOf: directory.appendingPathComponent("\(c.name).results"))
      let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      let o = c.batch * outputCount
      let p = plan.trainableCount
      guard values.count == 2 * o + 1 + 2 * p else { throw HarnessError("\(c.name): \(values.count) results") }
      results[c.name] = Results(
        outputs: Array(values[0..<o]), loss: values[o], gradients: Array(values[(o + 1)..<(o + 1 + p)]),
        parameters: Array(values[(o + 1 + p)..<(o + 1 + 2 * p)]), trainedOutputs: Array(values[(o + 1 + 2 * p)...]))
    }
    return results
  }

  /// Runs a command in `directory`; throws with its output if it fails.
  static func runProcess(_ arguments: [String], in directory: URL) throws {
    let (status, output) = try ChildProcess.run(arguments, in: directory)
    guard status == 0 else {
      throw HarnessError("`\(arguments.prefix(3).joined(separator: " "))` failed:\n\(output.prefix(4000))")
    }
  }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

extension Data {
  init(floats: [Float]) { self = floats.withUnsafeBytes { Data($0) } }
}
