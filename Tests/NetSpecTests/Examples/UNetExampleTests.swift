import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `Examples/unet.yaml`: the full-size U-Net checks with its pinned parameter
/// count (31,030,658, the padded PyTorch U-Net of the spec's comment), and a
/// small one (16x16 images, 4 base channels) trains: a few Adam steps on one
/// fixed random batch make its per-pixel mse fall at every step.
@Suite struct UNetExampleTests {
  static let path = ExampleSpec.path("unet.yaml")

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func theFullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameterCount == 31_030_658)
    let logits = try #require(spec.graph.values.first { $0.name == "logits" })
    #expect(logits.type.shape == [Dim.symbol("N"), Dim(2), Dim(256), Dim(256)])
  }

  @Test func theReducedFormTrains() throws {
    let spec = try Self.load(set: ["size=16", "base=4"])
    let losses = try FixedBatchTraining(batch: 2, steps: 10).losses(of: spec)
    // Adam at the spec's 1e-3 moves slowly: every step lowers the loss.
    #expect(zip(losses, losses.dropFirst()).allSatisfy { $1 < $0 }, "losses \(losses)")
    #expect(losses.last! < 0.95 * losses[0], "losses \(losses)")
  }
}
