import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The `NS06xx` warnings fire on the patterns they name and nowhere else.
@Suite struct ModelLintTests {
  func warnings(_ yaml: String) -> [DiagnosticCode] {
    lower(yaml).1.filter { $0.severity == .warning }.map(\.code)
  }

  func classifier(_ layers: String, loss: String = "cross_entropy") -> String {
    spec(layers, extra: "") + "train: {loss: \(loss), optimizer: sgd}\n"
  }

  @Test func logitsThroughAProbabilityOrActivationLayer() {
    #expect(warnings(classifier("  - dense: 10\n  - softmax\n")) == [.softmaxBeforeCrossEntropy])
    #expect(warnings(classifier("  - dense: 10\n  - sigmoid\n")) == [.activationOnLogits])
    #expect(warnings(classifier("  - dense: {units: 10, activation: tanh}\n")) == [.activationOnLogits])
    #expect(
      warnings(classifier("  - dense: 1\n  - sigmoid\n", loss: "binary_cross_entropy")) == [
        .sigmoidBeforeBinaryCrossEntropy
      ])
    #expect(warnings(classifier("  - dense: {units: 1, activation: relu}\n", loss: "mse")).isEmpty)
    #expect(warnings(classifier("  - dense: {units: 16, activation: relu}\n  - dense: 10\n")).isEmpty)
  }

  @Test func dropoutAsTheLastLayer() {
    #expect(warnings(classifier("  - dense: 10\n  - dropout: 0.1\n")) == [.dropoutAfterLastLayer])
    #expect(warnings(classifier("  - dropout: 0.1\n  - dense: 10\n")).isEmpty)
  }

  @Test func aBiasThatBatchnormCancels() {
    let image = "x: [N, 3, 8, 8]"
    #expect(
      warnings(spec(inputs: image, "  - conv2d: {filters: 4, kernel: 3}\n  - batchnorm\n")) == [.biasBeforeBatchNorm])
    #expect(warnings(spec(inputs: image, "  - conv2d: {filters: 4, kernel: 3, bias: false}\n  - batchnorm\n")).isEmpty)
    #expect(
      warnings(spec(inputs: image, "  - conv2d: {filters: 4, kernel: 3, activation: relu}\n  - batchnorm\n")).isEmpty)
    #expect(warnings(spec("  - dense: 8\n  - batchnorm\n")) == [.biasBeforeBatchNorm])
  }

  /// The bundled specs and examples are written as the lints advise.
  @Test func theBundledSpecsHaveNoWarnings() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    for folder in ["specs", "Examples"] {
      let directory = root.appendingPathComponent(folder)
      for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".yaml") {
        var bag = DiagnosticBag()
        _ = Frontend.load(path: directory.appendingPathComponent(name).path, &bag)
        #expect(bag.warningCount == 0, "\(folder)/\(name): \(bag.diagnostics.map(\.message))")
      }
    }
  }
}
