import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `Examples/multitask.yaml`: a shared trunk with a digit classifier and a
/// pixel decoder. The full spec checks with its pinned parameter count
/// (14,890, the PyTorch module of the spec's comment) and its two weighted,
/// named loss terms; a reduced trunk trains a few steps on a fixed batch,
/// and two epochs on the digits with both terms falling.
@Suite(.tags(.slow)) struct MultiTaskExampleTests {
  static let path = ExampleSpec.path("multitask.yaml")
  static let reduced = ["hidden=16", "features=8"]

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

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
    let terms = spec.graph.lossTerms.map { spec.graph.nodes[$0.node].outputs[0] }
    let losses = try FixedBatchTraining(batch: 8, steps: 15).trace(of: spec) { interpreter in
      [interpreter.loss] + terms.map { interpreter.buffer(of: $0)[0] }
    }
    let finite = losses.allSatisfy { $0.allSatisfy(\.isFinite) }
    try #require(finite, "losses \(losses)")
    let (first, last) = (losses[0], losses.last!)
    // The objective is the weighted sum of the terms: digit + 0.5 x pixels.
    #expect(abs(first[0] - (first[1] + 0.5 * first[2])) < 1e-4 * first[0], "losses \(first)")
    // On random inputs the pixel head cannot do much with 8 shared features
    // the digit head also pulls on; `trainingLogsBothTermsOfTheObjective`
    // sees both fall on the digits.
    for term in 0..<2 {
      #expect(last[term] < 0.9 * first[term], "term \(term): losses \(losses.map { $0[term] })")
    }
  }

  /// `netspec train` logs each head's loss per epoch, for training as for
  /// validation, and the objective is their weighted sum (the training terms
  /// are read before the backward pass, which reuses their buffers); both
  /// fall from the first epoch to the second, and the test line reports both.
  @Test func trainingLogsBothTermsOfTheObjective() throws {
    let folder = try CLIFolder()
    let run = try folder.run(
      ["train", Self.path, "-o", "run", "--epochs", "2", "--no-expect"] + Self.reduced.flatMap { ["--set", $0] })
    try #require(run.status == 0, "\(run)")
    let epochs = try MetricsLog.read(contentsOf: folder.url.appendingPathComponent("run/metrics.jsonl").path)
    try #require(epochs.count == 2)
    for term in ["loss_digit", "loss_pixels"] {
      let (first, second) = (epochs[0].validation[term] ?? .nan, epochs[1].validation[term] ?? .nan)
      #expect(second < 0.9 * first, "\(term): \(first) then \(second)")
    }
    #expect(run.stdout.contains(/test: loss [0-9.]+ loss_digit [0-9.]+ loss_pixels [0-9.]+ accuracy/), "\(run.stdout)")
    // Prediction plans the model without its loss terms (there are no targets).
    let digits = URL(fileURLWithPath: Self.path).deletingLastPathComponent().appendingPathComponent(
      "data/digits.csv.gz")
    let predict = try folder.run(
      ["predict", Self.path, "--weights", "run/weights.safetensors", "--input", digits.path, "--no-expect"]
        + Self.reduced.flatMap { ["--set", $0] })
    #expect(predict.status == 0, "\(predict)")
    #expect(predict.stdout.split(separator: "\n").count == 1 + 1797, "\(predict.stdout.prefix(300))")
    for epoch in epochs {
      for (loss, terms) in [(epoch.trainLoss, epoch.train), (epoch.validationLoss ?? .nan, epoch.validation)] {
        let (digit, pixels) = (terms["loss_digit"] ?? .nan, terms["loss_pixels"] ?? .nan)
        #expect(digit > 0.01 && pixels > 0.001, "\(terms)")
        #expect(abs(loss - (digit + 0.5 * pixels)) < 1e-4 * loss, "\(loss) \(terms)")
      }
    }
  }
}
