import Foundation
import NetSpecKernels
import Testing

@testable import NetSpec

/// The interpreter against PyTorch: every fixture of `Tests/Oracle/Fixtures`
/// (every op with its options, small whole models, optimizer steps) within
/// ``OracleComparison/tolerance``.
@Suite struct OracleInterpreterTests {
  /// Runs a fixture's script on the interpreter.
  static func interpret(_ f: OracleFixture) throws -> OracleRun {
    let interpreter = Interpreter(plan: f.plan, seed: 0)
    let arena = try f.parameterArena()
    for i in arena.indices { interpreter.parameters[i] = arena[i] }
    for (value, values) in try f.loads() {
      let buffer = interpreter.buffer(of: value)
      for i in values.indices { buffer[i] = values[i] }
    }
    var run = OracleRun()
    if f.steps == 0 {
      interpreter.forward(batch: f.batch, training: f.training)
      run.output = Array(interpreter.buffer(of: f.prediction).prefix(f.floats(of: f.prediction)))
      run.losses = [interpreter.loss]
      interpreter.backward(batch: f.batch)
      run.gradients = Array(UnsafeBufferPointer(start: interpreter.gradients, count: f.plan.trainableCount))
      run.inputGradients = f.differentiableInputs.map { Array(interpreter.gradient(of: $0)!.prefix(f.floats(of: $0))) }
    } else {
      let train = f.train
      let optimizer = Optimizer(train.optimizer.algorithm, weightDecay: train.weightDecay, count: f.plan.trainableCount)
      for _ in 0..<f.steps {
        interpreter.forward(batch: f.batch, training: f.training)
        run.losses.append(interpreter.loss)
        interpreter.backward(batch: f.batch)
        if let clip = train.clipGradNorm {
          Optimizer.clip(interpreter.gradients, count: f.plan.trainableCount, maxNorm: Float(clip))
        }
        optimizer.step(
          parameters: interpreter.parameters, gradients: interpreter.gradients,
          lr: Float(train.optimizer.learningRate))
      }
    }
    run.parameters = Array(UnsafeBufferPointer(start: interpreter.parameters, count: f.plan.parameterArenaSize))
    return run
  }

  @Test(arguments: OracleFixture.names)
  func interpreterMatchesPyTorch(_ name: String) throws {
    let fixture = try OracleFixture(name)
    let failures = OracleComparison.mismatches(fixture, try Self.interpret(fixture))
    #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "; "))")
  }

  /// The comparison fails a run that is off by more than the tolerance in one
  /// element, or that lacks a tensor the fixture holds.
  @Test func theComparisonCatchesOneWrongValue() throws {
    let fixture = try OracleFixture("dense")
    let run = try Self.interpret(fixture)
    #expect(OracleComparison.mismatches(fixture, run).isEmpty)
    let weight = try #require(fixture.graph.parameters.firstIndex { $0.name == "layer.weight" })
    let offset = fixture.plan.slot(of: weight).offset
    var wrong = run
    wrong.gradients[offset + 1] += 3 * OracleComparison.tolerance * run.gradients.map(abs).max()!
    let failures = OracleComparison.mismatches(fixture, wrong)
    #expect(failures.count == 1)
    #expect(failures.first?.hasPrefix("grad.param.layer.weight: relative error") == true, "\(failures)")
    var partial = run
    partial.inputGradients = []
    #expect(OracleComparison.mismatches(fixture, partial) == ["grad.input.x: not computed"])
  }

  /// The fixtures are present and cover every op of the registry, so an op
  /// added without a PyTorch reference fails here.
  @Test func everyOpHasAFixture() throws {
    #expect(OracleFixture.names.count >= 100, "run Tests/Oracle/make_fixtures.py (see docs/TESTING.md)")
    var covered: Set<String> = []
    for name in OracleFixture.names {
      covered.formUnion(try OracleFixture(name).graph.nodes.map(\.opName))
    }
    for type in OpRegistry.all {
      #expect(covered.contains(type.schema.name), "no oracle fixture runs `\(type.schema.name)`")
    }
  }
}
