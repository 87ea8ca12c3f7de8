import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Examples/vit_b16.yaml: the full ViT-B/16 checks with its `expect:` (the
/// parameter count of torchvision.models.vit_b_16()), and its reduced form
/// trains with a falling loss (the emitted code is compared with the
/// interpreter in ``EmittedTensorCases``).
@Suite struct VitB16ExampleTests {
  static let path = ExampleSpec.path("vit_b16.yaml")

  /// `--set` overrides giving a 32x32 image of 16 patches of 8x8, width 32,
  /// two layers of four heads and ten classes.
  static let reduced = [
    "image=32", "patch=8", "width=32", "depth=2", "heads=4", "mlp=64", "classes=10",
  ]

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func fullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameters.reduce(0) { $0 + $1.shape.reduce(1, *) } == 86_567_656)
    let token = try #require(spec.graph.parameters.first { $0.name == "class_token.weight" })
    #expect(token.shape == [1, 768])
  }

  @Test(.tags(.slow)) func reducedFormLearns() throws {
    let spec = try Self.load(set: Self.reduced)
    let losses = try FixedBatchTraining(batch: 4, steps: 8, seed: 7, lr: 1e-3).losses(of: spec)
    #expect(losses.last! < 0.9 * losses[0], "losses \(losses)")
  }
}
