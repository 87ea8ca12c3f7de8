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
    let training = FixedBatchTraining(batch: 8, steps: 20, weightDecay: 0, lr: 0.01)
    let history = try training.trace(
      of: spec,
      fill: { interpreter in
        // Stripes of 0.1 and 0.9 with a little noise: a fixed picture the
        // decoder's bias can learn, so neither term has to trade against the other.
        var random = RandomGenerator(seed: 16)
        let images = interpreter.buffer(of: spec.graph.inputs[0])
        for i in images.indices { images[i] = (i % 2 == 0 ? 0.1 : 0.9) + 0.05 * random.nextFloat() }
      }, record: Self.terms)
    for name in ["reconstruction", "kl"] {
      let values = history.compactMap { $0[name] }
      #expect(values.count == history.count && values.allSatisfy(\.isFinite), "\(name): \(values)")
      #expect(values.last! < 0.9 * values[0], "\(name): \(values)")
    }
  }
}
