import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Examples/convnext_t.yaml: the full spec checks with its `expect:`
/// (torchvision's `convnext_tiny()`, 28,589,128 parameters), its stochastic
/// depth rises linearly over the blocks as torchvision's, and the reduced form
/// (`width=8`, one block per stage, 32x32 images, 5 classes, no stochastic
/// depth, whose fresh masks each step would hide the trend) trains a few steps
/// on a fixed batch with a falling loss.
@Suite(.tags(.slow)) struct ConvNeXtExampleTests {
  static let path = ExampleSpec.path("convnext_t.yaml")
  static let reduced = [
    "size=32", "width=8", "depth1=1", "depth2=1", "depth3=1", "depth4=1", "classes=5", "stochastic_depth=0",
  ]

  static func load(set overrides: [String] = []) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  /// The full spec checks, `expect:` included (params, the classifier's and two layers' shapes).
  @Test func fullSpecMeetsItsExpectations() throws {
    let spec = try Self.load()
    #expect(spec.graph.parameters.filter(\.trainable).map(\.count).reduce(0, +) == 28_589_128)
    #expect(spec.graph.nodes.filter { $0.opName == "add" }.count == 18, "one residual add per block")
  }

  /// torchvision's rule: block b of B drops with probability 0.1 * b / (B - 1),
  /// and the layer scale starts at 1e-6.
  @Test func stochasticDepthRisesLinearly() throws {
    let spec = try Self.load()
    let rates = spec.graph.nodes.compactMap { ($0.op as? DropPath)?.rate }
    #expect(rates.count == 18)
    for (block, rate) in rates.enumerated() { #expect(abs(rate - 0.1 * Double(block) / 17) < 1e-12) }
    let scale = try #require(spec.graph.parameters.first { $0.name == "stage3.8.layer_scale.weight" })
    #expect(scale.shape == [384, 1, 1])
  }

  @Test func reducedFormLossFalls() throws {
    let spec = try Self.load(set: Self.reduced)
    // Adam without weight decay at a larger rate than the spec's (tuned for
    // batches of 1024 over 600 epochs): a few steps on one small batch only
    // ask that gradients flow, through a layer scale that starts at 1e-6.
    let adam = OptimizerSpec.Algorithm.adam(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
    let training = FixedBatchTraining(batch: 8, steps: 8, optimizer: adam, weightDecay: 0, lr: 3e-3)
    let losses = try training.losses(of: spec)
    #expect(losses.last! < 0.9 * losses[0], "losses \(losses)")
  }
}
