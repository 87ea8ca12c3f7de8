import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `Examples/multitask.yaml`: a shared trunk with a digit classifier and a
/// pixel decoder. The full spec checks with its pinned parameter count
/// (14,890, the PyTorch module of the spec's comment) and its two weighted,
/// named loss terms; a reduced trunk trains a few steps with both terms
/// falling.
@Suite(.tags(.slow)) struct MultiTaskExampleTests {
  static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../Examples/multitask.yaml").standardizedFileURL.path
  static let reduced = ["hidden=16", "features=8"]

  static func load(set overrides: [String]) throws -> CheckedSpec {
    var diagnostics = DiagnosticBag()
    let spec = Frontend.load(path: path, options: try SeedSpecs.options(set: overrides), &diagnostics)
    return try #require(spec, "\(HumanRenderer().render(diagnostics.sorted))")
  }

  @Test func theFullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameterCount == 14_890)
    #expect(spec.graph.outputs.map { spec.graph.values[$0].name } == ["logits", "reconstruction"])
    let terms = spec.graph.lossTerms.map { ($0.name, spec.graph.nodes[$0.node].opName, $0.weight) }
    #expect(terms.map(\.0) == ["digit", "pixels"])
    #expect(terms.map(\.1) == ["cross_entropy", "mse"])
    #expect(terms.map(\.2) == [1, 0.5])
    // The pixel head's target is the model input itself; the data provides only the label.
    #expect(spec.graph.targets.map { spec.graph.values[$0].name } == ["label"])
  }

  @Test func theReducedFormTrainsBothHeads() throws {
    let spec = try Self.load(set: Self.reduced)
    let train = try #require(spec.document.train)
    let batch = 8
    let plan = try Planner.plan(spec.graph, capacity: batch, bindings: [:], training: true)
    let interpreter = Interpreter(plan: plan, seed: UInt64(train.seed))
    try SpecTrainingTests.fillRandomly(interpreter)
    let optimizer = Optimizer(train.optimizer.algorithm, weightDecay: train.weightDecay, count: plan.trainableCount)
    let lr = Float(train.optimizer.learningRate)
    let terms = spec.graph.lossTerms.map { spec.graph.nodes[$0.node].outputs[0] }
    func values() -> [Float] { [interpreter.loss] + terms.map { interpreter.buffer(of: $0)[0] } }
    interpreter.forward(batch: batch, training: true)
    var losses = [values()]
    for _ in 0..<15 {
      interpreter.backward(batch: batch)
      optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: lr)
      interpreter.forward(batch: batch, training: true)
      losses.append(values())
    }
    let finite = losses.allSatisfy { $0.allSatisfy(\.isFinite) }
    try #require(finite, "losses \(losses)")
    let (first, last) = (losses[0], losses.last!)
    // The objective is the weighted sum of the terms: digit + 0.5 x pixels.
    #expect(abs(first[0] - (first[1] + 0.5 * first[2])) < 1e-4 * first[0], "losses \(first)")
    for term in 0..<3 {
      #expect(last[term] < 0.9 * first[term], "term \(term): losses \(losses.map { $0[term] })")
    }
  }
}
