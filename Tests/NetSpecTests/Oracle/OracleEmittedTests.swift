import Foundation
import NetSpecKernels
import Testing

@testable import NetSpec

/// Emitted Swift against PyTorch: every oracle fixture's model is emitted
/// into one module with a driver that replays the fixture's script (the
/// interpreter's, in ``OracleInterpreterTests``), compiled and run once per
/// test run, and compared within the same tolerance.
@Suite(.tags(.slow)) struct OracleEmittedTests {
  @Test(arguments: OracleFixture.names)
  func emittedCodeMatchesPyTorch(_ name: String) throws {
    let runs = try OracleEmittedHarness.results.get()
    let fixture = try OracleFixture(name)
    let run = try #require(runs[name])
    let failures = OracleComparison.mismatches(fixture, run)
    #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "; "))")
  }
}

/// Emits, compiles and runs every fixture's model in one module.
enum OracleEmittedHarness {
  static let results: Result<[String: OracleRun], HarnessError> = Result { try run() }
    .mapError { $0 as? HarnessError ?? HarnessError("\($0)") }

  /// The driver's shared part: the models' view and the script, which loads a
  /// fixture's parameter arena and inputs, then runs one forward and backward
  /// pass or `steps` training steps, and writes what it computed.
  static let prelude = """
    import Foundation

    protocol OracleModel: AnyObject {
      var activations: UnsafeMutablePointer<Float> { get }
      var parameters: UnsafeMutablePointer<Float> { get }
      var gradients: UnsafeMutablePointer<Float> { get }
      func forward(_ n: Int, training: Bool)
      func backward(_ n: Int)
      func update(learningRate: Float)
    }

    func read(_ path: String) -> [Float] {
      let data = FileManager.default.contents(atPath: path)!
      return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func replay(
      _ model: some OracleModel, _ name: String, n: Int, training: Bool, steps: Int, learningRate: Float,
      loads: [(Int, Int)], output: (Int, Int), loss: Int, inputGradients: [(Int, Int)], trainable: Int, arena: Int
    ) {
      model.parameters.update(from: read(name + ".parameters"), count: arena)
      let inputs = read(name + ".inputs")
      var start = 0
      for (offset, count) in loads {
        (model.activations + offset).update(from: Array(inputs[start..<(start + count)]), count: count)
        start += count
      }
      func values(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: p, count: count))
      }
      var out: [Float] = []
      if steps == 0 {
        model.forward(n, training: training)
        out += values(model.activations + output.0, output.1)
        out.append(model.activations[loss])
        model.backward(n)
        out += values(model.gradients, trainable)
        for (offset, count) in inputGradients { out += values(model.activations + offset, count) }
      } else {
        for _ in 0..<steps {
          model.forward(n, training: training)
          out.append(model.activations[loss])
          model.backward(n)
          model.update(learningRate: learningRate)
        }
      }
      out += values(model.parameters, arena)
      _ = FileManager.default.createFile(atPath: name + ".results", contents: out.withUnsafeBytes { Data($0) })
    }


    """

  private static func run() throws -> [String: OracleRun] {
    let fixtures = try OracleFixture.names.map(OracleFixture.init)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "netspec-oracle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var sources: [String] = []
    func write(_ path: String, _ text: String) throws {
      try text.write(to: directory.appendingPathComponent(path), atomically: true, encoding: .utf8)
      sources.append(path)
    }
    try write(SwiftEmitter.runtimeFileName, SwiftEmitter.runtime.contents)
    var driver = prelude
    for (index, f) in fixtures.enumerated() {
      let plan = f.plan
      let type = "Oracle\(index)"
      try write(
        "\(type).swift",
        try ModelEmitter(spec: f.spec, plan: plan, train: f.train, typeName: type, sourceName: "\(f.name).yaml")
          .emit())
      func offset(_ buffer: Int) -> Int { plan.buffers[buffer].offset }
      let loads = try f.loads()
      try Data(floats: try f.parameterArena()).write(to: directory.appendingPathComponent("\(f.name).parameters"))
      try Data(floats: loads.flatMap(\.values)).write(to: directory.appendingPathComponent("\(f.name).inputs"))
      let loadList = loads.map { "(\(offset(plan.valueBuffers[$0.value]!)), \($0.values.count))" }
      let gradientList = f.differentiableInputs.map { "(\(offset(plan.gradientBuffers[$0]!)), \(f.floats(of: $0)))" }
      driver += """
        extension \(type): OracleModel {}
        replay(
          \(type)(seed: 0), "\(f.name)", n: \(f.batch), training: \(f.training), steps: \(f.steps),
          learningRate: \(Float(f.train.optimizer.learningRate)), loads: [\(loadList.joined(separator: ", "))],
          output: (\(offset(plan.valueBuffers[f.prediction]!)), \(f.floats(of: f.prediction))),
          loss: \(offset(plan.valueBuffers[f.graph.loss!]!)), inputGradients: [\(gradientList.joined(separator: ", "))],
          trainable: \(plan.trainableCount), arena: \(plan.parameterArenaSize))

        """
    }
    try write("main.swift", driver)
    let binary = directory.appendingPathComponent("oracle").path
    try EmittedModelHarness.runProcess(
      ["swiftc", "-Onone", "-swift-version", "6", "-warnings-as-errors", "-o", binary] + CompilerFlags.nativeKernels
        + sources.map { directory.appendingPathComponent($0).path }, in: directory)
    try EmittedModelHarness.runProcess([binary], in: directory)
    var runs: [String: OracleRun] = [:]
    for f in fixtures {
      let data = try Data(contentsOf: directory.appendingPathComponent("\(f.name).results"))
      var values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self))[...] }
      func take(_ count: Int) throws -> [Float] {
        guard values.count >= count else { throw HarnessError("\(f.name): too few results") }
        defer { values = values.dropFirst(count) }
        return Array(values.prefix(count))
      }
      var run = OracleRun()
      if f.steps == 0 {
        run.output = try take(f.floats(of: f.prediction))
        run.losses = try take(1)
        run.gradients = try take(f.plan.trainableCount)
        run.inputGradients = try f.differentiableInputs.map { try take(f.floats(of: $0)) }
      } else {
        run.losses = try take(f.steps)
      }
      run.parameters = try take(f.plan.parameterArenaSize)
      guard values.isEmpty else { throw HarnessError("\(f.name): \(values.count) results too many") }
      runs[f.name] = run
    }
    return runs
  }
}
