import Foundation
import NetSpecDiagnostics

@testable import NetSpec

/// One PyTorch reference case written by `Tests/Oracle/make_fixtures.py`: a
/// small model's spec, the inputs, target and parameters it starts from, and
/// what PyTorch computed (outputs, loss, gradients, parameters and buffers
/// afterwards), all in one safetensors file (see the script's header).
///
/// Both backends replay the same script on it (``OracleRun``): load the
/// parameters by name and the inputs, then either one forward pass in the
/// fixture's mode and one backward pass, or `steps` training steps.
///
/// `NETSPEC_ORACLE_FIXTURES=DIR` reads the fixtures from DIR instead: the
/// PyTorch export check (Tests/Interop/test_pytorch_export.py) writes
/// fixtures of whole exported specs there, which may also carry `path` (the
/// spec's file, whose folder its data paths are relative to), `set`
/// (`name=value` overrides, comma-separated; `expect:` is then not checked),
/// `dims` (`T=3,S=4`: sizes of symbols other than N), `tolerance` and
/// `tolerances` (`grad.param.x=3e-4,...`: a wider limit for the tensors where
/// PyTorch's own float32 run strays from its float64 reference).
struct OracleFixture: Sendable {
  static let directory =
    ProcessInfo.processInfo.environment["NETSPEC_ORACLE_FIXTURES"].map { URL(fileURLWithPath: $0) }
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Oracle/Fixtures").standardizedFileURL

  /// The fixtures' names (file names without `.safetensors`), sorted.
  static let names: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    .filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()

  let name: String
  let file: SafetensorsFile
  let spec: CheckedSpec
  /// Planned for training with input gradients, at the fixture's batch.
  let plan: ExecutionPlan
  let batch: Int
  let training: Bool
  /// Optimizer steps to take; 0 for one forward and backward pass.
  let steps: Int
  /// Why the case is shaped as it is, or where NetSpec differs on purpose.
  let note: String
  /// The largest relative error allowed (``OracleComparison/tolerance`` unless the fixture says).
  let tolerance: Float
  /// Per-tensor limits that replace ``tolerance`` for the tensors named.
  let tolerances: [String: Float]

  init(_ name: String) throws {
    self.name = name
    let path = Self.directory.appendingPathComponent("\(name).safetensors").path
    file = try SafetensorsFile(contentsOf: path)
    let metadata = file.metadata
    guard let text = metadata["spec"], let batch = metadata["batch"].flatMap(Int.init),
      let steps = metadata["steps"].flatMap(Int.init)
    else { throw HarnessError("\(name): the fixture's metadata lacks spec, batch or steps") }
    var diagnostics = DiagnosticBag()
    var options = FrontendOptions()
    for item in Self.pairs(metadata["set"]) {
      guard let (key, value) = Frontend.parseOverride(item) else { throw HarnessError("\(name): bad set `\(item)`") }
      options.overrides[key] = value
      options.checksExpectations = false
    }
    let bindings = Dictionary(
      uniqueKeysWithValues: Self.pairs(metadata["dims"]).compactMap { item -> (String, Int)? in
        let parts = item.split(separator: "=")
        return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? 1) : nil
      })
    guard
      let spec = Frontend.check(
        SourceFile(path: metadata["path"] ?? "\(name).yaml", text: text), options: options, &diagnostics)
    else {
      throw HarnessError("\(name) does not check: \(diagnostics.diagnostics.map(\.message))")
    }
    self.spec = spec
    self.batch = batch
    self.steps = steps
    training = metadata["training"] != "false"
    note = metadata["note"] ?? ""
    tolerance = metadata["tolerance"].flatMap(Float.init) ?? OracleComparison.tolerance
    tolerances = try Dictionary(
      uniqueKeysWithValues: Self.pairs(metadata["tolerances"]).map { item in
        let parts = item.split(separator: "=")
        guard parts.count == 2, let limit = Float(parts[1]) else {
          throw HarnessError("\(name): bad tolerances item `\(item)`")
        }
        return (String(parts[0]), limit)
      })
    plan = try Planner.plan(spec.graph, capacity: batch, bindings: bindings, training: true, inputGradients: true)
  }

  /// The comma-separated items of a metadata value.
  private static func pairs(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  var graph: Graph { plan.graph }
  var train: TrainSpec { spec.document.train! }
  /// The value the loss scores.
  var prediction: ValueID { graph.lossNode!.inputs[0] }

  func tensor(_ key: String) throws -> [Float] {
    guard let tensor = file[key] else { throw HarnessError("\(name): the fixture has no tensor `\(key)`") }
    return tensor.values
  }

  /// The parameter arena as the fixture starts it: every parameter and buffer by name.
  func parameterArena() throws -> [Float] {
    var arena = [Float](repeating: 0, count: plan.parameterArenaSize)
    for (id, parameter) in graph.parameters.enumerated() {
      let values = try tensor("param.\(parameter.name)")
      let slot = plan.slot(of: id)
      guard values.count == slot.count else { throw HarnessError("\(name): `\(parameter.name)` has \(values.count)") }
      arena.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: values)
    }
    return arena
  }

  /// The values the script loads before running, with their contents: each
  /// input, then the target (none when the loss scores a model input, as
  /// an autoencoder's reconstruction).
  func loads() throws -> [(value: ValueID, values: [Float])] {
    let inputs = try graph.inputs.map { ($0, try tensor("input.\(graph.values[$0].name)")) }
    guard let target = graph.targets.first else { return inputs }
    return inputs + [(target, try tensor("target"))]
  }

  /// The float inputs, whose gradients the plan computes.
  var differentiableInputs: [ValueID] { graph.inputs.filter { plan.gradientBuffers[$0] != nil } }

  func floats(of value: ValueID) -> Int { batch * plan.buffers[plan.valueBuffers[value]!].perSample }
}

/// What a backend computed for a fixture, as flat arrays.
struct OracleRun {
  /// The prediction after the (first) forward pass.
  var output: [Float] = []
  /// The loss of each forward pass.
  var losses: [Float] = []
  /// The trainable parameters' gradients (after one backward pass).
  var gradients: [Float] = []
  /// Gradients of the fixture's ``OracleFixture/differentiableInputs``.
  var inputGradients: [[Float]] = []
  /// The whole parameter arena at the end.
  var parameters: [Float] = []

  /// The run's tensors under the fixture's keys: `output`, `loss`, `losses`,
  /// `grad.input.X`, `grad.param.P` and `after.P` (buffers after a pass, or
  /// trainable parameters after optimizer steps).
  func named(_ f: OracleFixture) -> [String: [Float]] {
    var result: [String: [Float]] = ["loss": Array(losses.prefix(1))]
    if f.steps == 0 {
      result["output"] = output
      for (value, gradient) in zip(f.differentiableInputs, inputGradients) {
        result["grad.input.\(f.graph.values[value].name)"] = gradient
      }
    } else {
      result["losses"] = losses
    }
    for (id, parameter) in f.graph.parameters.enumerated() {
      let slot = f.plan.slot(of: id)
      let range = slot.offset..<(slot.offset + slot.count)
      if parameter.trainable && !parameter.isBuffer {
        if f.steps == 0 { result["grad.param.\(parameter.name)"] = Array(gradients[range]) }
        if f.steps > 0 { result["after.\(parameter.name)"] = Array(parameters[range]) }
      } else if f.steps == 0 {
        result["after.\(parameter.name)"] = Array(parameters[range])
      }
    }
    return result
  }
}

/// Compares a backend's run with the fixture.
enum OracleComparison {
  /// Float32 against PyTorch's float64 reference: the largest difference in a
  /// tensor may be this fraction of the tensor's largest magnitude. Sums of a
  /// few hundred float32 products and float32 transcendental functions stay
  /// well inside it; a wrong convention (layout, gate order, divisor,
  /// variance) misses it by orders of magnitude.
  static let tolerance: Float = 1e-4

  /// The smallest magnitude a tensor is scaled by. Every reference tensor is
  /// larger but those that are zero in exact arithmetic, such as the gradient
  /// of attention's key bias (softmax ignores a constant added to all of a
  /// query's scores): there float32 leaves rounding noise, compared with the
  /// absolute tolerance `tolerance * floor` = 1e-7.
  static let floor: Float = 1e-3

  /// The largest difference relative to the largest magnitude of `expected`.
  static func relativeError(_ got: [Float], _ expected: [Float]) -> Float {
    guard got.count == expected.count else { return .infinity }
    guard !expected.isEmpty else { return 0 }
    let scale = max(expected.map(abs).max()!, floor)
    return zip(got, expected).map { abs($0 - $1) }.max()! / scale
  }

  /// Every tensor the fixture holds for the run's keys, with its error: those
  /// over the tolerance are the failures; a fixture key the run lacks is one too.
  static func mismatches(_ f: OracleFixture, _ run: OracleRun) -> [String] {
    let got = run.named(f)
    var failures: [String] = []
    for tensor in f.file.tensors
    where ["output", "loss", "losses"].contains(tensor.name) || tensor.name.hasPrefix("grad.")
      || tensor.name.hasPrefix("after.")
    {
      guard let values = got[tensor.name] else {
        failures.append("\(tensor.name): not computed")
        continue
      }
      let error = relativeError(values, tensor.values)
      if !(error <= f.tolerances[tensor.name] ?? f.tolerance) {
        failures.append("\(tensor.name): relative error \(error)")
      }
    }
    return failures
  }
}
