import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Examples/mobilenet_v2.yaml and Examples/efficientnet_b0.yaml: the full
/// specs check with their `expect:` (torchvision's parameter counts), and
/// the reduced forms (`unit=1`, 32x32 images, 5 classes, no dropout, whose
/// fresh masks each step would hide the trend) train a few steps on
/// a fixed batch with a falling loss.
@Suite(.tags(.slow)) struct MobileNetExampleTests {
  static let files = ["mobilenet_v2.yaml", "efficientnet_b0.yaml"]
  static let reduced = ["size=32", "unit=1", "classes=5", "dropout=0"]

  static func load(_ file: String, set overrides: [String] = []) throws -> CheckedSpec {
    try ExampleSpec.load(ExampleSpec.path(file), set: overrides)
  }

  /// The full spec checks, `expect:` included (params and the classifier's shape).
  @Test(arguments: files)
  func fullSpecMeetsItsExpectations(file: String) throws {
    let spec = try Self.load(file)
    let expected = file == "mobilenet_v2.yaml" ? 3_504_872 : 5_288_548
    #expect(spec.graph.parameters.filter(\.trainable).map(\.count).reduce(0, +) == expected)
  }

  @Test(arguments: files)
  func reducedFormLossFalls(file: String) throws {
    let spec = try Self.load(file, set: Self.reduced)
    // Adam: the specs' SGD rates are tuned for batches of 96 and 128 over
    // many epochs; a few steps on one small batch only ask that gradients flow.
    let adam = OptimizerSpec.Algorithm.adam(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
    let losses = try FixedBatchTraining(batch: 8, steps: 8, optimizer: adam, lr: 1e-3).losses(of: spec)
    #expect(losses.last! < 0.9 * losses[0], "\(file): losses \(losses)")
  }
}
