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
    for activation in ["relu6", "mish", "elu: 0.5", "hardtanh: {min_val: 0}"] {
      #expect(warnings(classifier("  - dense: 10\n  - \(activation)\n")) == [.activationOnLogits], "\(activation)")
    }
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

/// Each lint's fix-it, applied to the spec's text, removes the warning and
/// leaves a valid spec.
@Suite struct LintFixItTests {
  static let cases = [
    "NS0601-softmax-before-cross-entropy", "NS0602-sigmoid-before-binary-cross-entropy", "NS0603-relu-on-logits",
    "NS0604-dropout-last", "NS0605-conv-bias-before-batchnorm",
  ]

  @Test(arguments: cases)
  func fixItRemovesTheWarning(_ name: String) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Golden/Cases/\(name).yaml")
    let file = SourceFile(path: url.path, text: try String(contentsOf: url, encoding: .utf8))
    var bag = DiagnosticBag()
    _ = Frontend.check(file, &bag)
    let warning = try #require(bag.diagnostics.first { $0.severity == .warning })
    #expect(warning.fixes.count == 1)
    let fixed = FixIt.apply(warning.fixes, to: file)
    var after = DiagnosticBag()
    #expect(Frontend.check(SourceFile(path: "fixed.yaml", text: fixed), &after) != nil, "\(fixed)")
    #expect(after.diagnostics.isEmpty, "\(fixed)\n\(after.diagnostics.map(\.message))")
    let json = JSONRenderer().render([warning])
    #expect(json.contains("\"fixes\"") && json.contains("\"replacement\""))
    #expect(SARIFRenderer().render([warning]).contains("\"insertedContent\""))
  }

  @Test func layoutsTheEditsDoNotUnderstandGetNoFixIt() throws {
    // A layer item with a deeper line (`name:`) is not deleted as one line.
    let yaml = spec("  - dense: 10\n  - dropout: 0.1\n    name: last\n") + "train: {loss: mse, optimizer: sgd}\n"
    let warning = try #require(lower(yaml).1.first { $0.code == .dropoutAfterLastLayer })
    #expect(warning.fixes.isEmpty)
  }
}
