import Foundation
import NetSpecDiagnostics
import NetSpecRuntime
import Testing

@testable import NetSpec

/// Examples/vae_mnist.yaml: the full spec checks with its `expect:` (PyTorch's
/// VAE example, 652,824 parameters) and its two loss terms; the reduced form
/// (`pixels=16`, `hidden=8`, `latent=4`) trains a few Adam steps on a fixed
/// batch of striped images with both terms falling.
@Suite struct VAEExampleTests {
  static let reduced = ["pixels=16", "hidden=8", "latent=4"]

  static let path = ExampleSpec.path("vae_mnist.yaml")

  static func load(set overrides: [String] = []) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func fullSpecMeetsItsExpectations() throws {
    let spec = try Self.load()
    let graph = spec.graph
    #expect(graph.trainableParameterCount == 652_824)
    #expect(graph.lossTerms.map(\.name) == ["reconstruction", "kl"])
    #expect(graph.lossTerms.map(\.weight) == [784, 1])
    // The reconstruction's target is the model's input: the data's labels are not read.
    #expect(graph.targets.isEmpty)
    #expect(graph.lossNode?.inputs[1] == graph.inputs[0])
  }

  /// Each term's value after a forward pass, by name.
  static func terms(_ interpreter: Interpreter) -> [String: Float] {
    let graph = interpreter.plan.graph
    return Dictionary(
      uniqueKeysWithValues: graph.lossTerms.map {
        ($0.name, interpreter.buffer(of: graph.nodes[$0.node].outputs[0])[0])
      })
  }

  @Test func reducedFormBothTermsFall() throws {
    let spec = try Self.load(set: Self.reduced)
    let train = try #require(spec.document.train)
    let batch = 8
    let plan = try Planner.plan(spec.graph, capacity: batch, bindings: [:], training: true)
    let interpreter = Interpreter(plan: plan, seed: UInt64(train.seed))
    // Stripes of 0.1 and 0.9 with a little noise: a fixed picture the
    // decoder's bias can learn, so neither term has to trade against the other.
    var random = RandomGenerator(seed: 16)
    let images = interpreter.buffer(of: spec.graph.inputs[0])
    for i in images.indices { images[i] = (i % 2 == 0 ? 0.1 : 0.9) + 0.05 * random.nextFloat() }
    let optimizer = Optimizer(train.optimizer.algorithm, weightDecay: 0, count: plan.trainableCount)
    var history: [[String: Float]] = []
    for _ in 0..<20 {
      interpreter.forward(batch: batch, training: true)
      history.append(Self.terms(interpreter))
      interpreter.backward(batch: batch)
      optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: 0.01)
    }
    interpreter.forward(batch: batch, training: true)
    history.append(Self.terms(interpreter))
    for name in ["reconstruction", "kl"] {
      let values = history.compactMap { $0[name] }
      #expect(values.count == history.count && values.allSatisfy(\.isFinite), "\(name): \(values)")
      #expect(values.last! < 0.9 * values[0], "\(name): \(values)")
    }
  }
}
