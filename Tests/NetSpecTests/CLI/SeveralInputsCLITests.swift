import Foundation
import Testing

@testable import NetSpec

/// `netspec train`, `eval` and `predict` on a model with two inputs (one NPY
/// file per input) and on a segmentation model whose targets are per-pixel
/// masks.
@Suite("netspec with several inputs and mask targets", .serialized)
struct SeveralInputsCLITests {
  @Test func trainsEvaluatesAndPredictsTwoInputs() throws {
    let folder = try CLIFolder()
    try SeveralInputsFixture.write(into: folder.url)
    let train = try folder.run("train", "two.yaml", "-o", "run", "--epochs", "2")
    #expect(train.status == 0, "\(train)")
    #expect(train.stdout.contains("72 training samples, 24 validation"), "\(train.stdout)")
    let eval = try folder.run("eval", "two.yaml", "--weights", "run/weights.safetensors")
    #expect(eval.status == 0 && eval.stdout.hasPrefix("validation: loss "), "\(eval)")
    let weights = ["--weights", "run/weights.safetensors"]
    let predicted = try folder.run(
      ["predict", "two.yaml", "--input", "tokens=ids.npy", "--input", "extra=x.npy"] + weights)
    #expect(predicted.status == 0, "\(predicted)")
    let lines = predicted.stdout.split(separator: "\n")
    #expect(lines.first == "sample,class,probability" && lines.count == SeveralInputsFixture.samples + 1)
    // The names, not the order, say which file feeds which input.
    let swapped = try folder.run(
      ["predict", "two.yaml", "--input", "extra=x.npy", "--input", "tokens=ids.npy"] + weights)
    #expect(swapped.stdout == predicted.stdout)
    let unnamed = try folder.run(["predict", "two.yaml", "--input", "ids.npy"] + weights)
    #expect(unnamed.status == 1 && unnamed.stderr.contains("--input tokens=FILE --input extra=FILE"), "\(unnamed)")
    let missing = try folder.run(["predict", "two.yaml", "--input", "tokens=ids.npy"] + weights)
    #expect(missing.status == 1 && missing.stderr.contains("no file is given for the model input `extra`"))
    let wrong = try folder.run(
      ["predict", "two.yaml", "--input", "tokens=x.npy", "--input", "extra=x.npy"] + weights)
    #expect(wrong.status == 1 && wrong.stderr.contains("the input `tokens` takes"), "\(wrong)")
  }

  @Test func aMismatchedInputFileIsALocatedDataError() throws {
    let folder = try CLIFolder()
    try SeveralInputsFixture.write(into: folder.url)
    try NPYWriting.write([1, 2, 3, 4, 5, 6], shape: [2, 3], to: folder.url.appendingPathComponent("few.npy").path)
    let spec = try String(contentsOf: folder.url.appendingPathComponent("two.yaml"), encoding: .utf8)
    try folder.write("few.yaml", spec.replacingOccurrences(of: "tokens: ids.npy", with: "tokens: few.npy"))
    let run = try folder.run("train", "few.yaml", "-o", "run")
    #expect(run.status != 0)
    #expect(run.stderr.contains("few.yaml:") && run.stderr.contains("holds 2 samples of `tokens`"), "\(run)")
  }

  /// A convolutional net predicting each pixel's mask value (mse over
  /// [N, 1, 16, 16] against the [16, 16] masks of the `shapes` task).
  static let segmentation = """
    netspec: 1
    name: masks
    inputs:
      image: [N, 1, 16, 16]
    layers:
      - conv2d: {filters: 4, kernel: 3, padding: 1, activation: relu}
      - conv2d: {filters: 1, kernel: 3, padding: 1, name: mask}
    train: {loss: mse, optimizer: {adam: {lr: 0.01}}, epochs: 3, batch_size: 16, seed: 2}
    data:
      train: {synthetic: {task: shapes, samples: 48, size: 16, classes: 2}}
      split: {validation: 0.25}
    """

  @Test func trainsEvaluatesAndPredictsMaskTargets() throws {
    let folder = try CLIFolder()
    try folder.write("masks.yaml", Self.segmentation)
    let train = try folder.run("train", "masks.yaml", "-o", "run")
    #expect(train.status == 0, "\(train)")
    let losses = train.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.compactMap { line in
      let words = line.split(separator: " ")
      return words.firstIndex(of: "loss").flatMap { Double(words[$0 + 1]) }
    }
    #expect(losses.count == 3 && losses[2] < losses[0], "\(train.stdout)")
    let eval = try folder.run("eval", "masks.yaml", "--weights", "run/weights.safetensors")
    #expect(eval.status == 0 && eval.stdout.contains("(12 samples)"), "\(eval)")
    var random = RandomGenerator(seed: 1)
    let images = SyntheticTasks.shapes(3, size: 16, classes: 2, random: &random)
    try NPYWriting.write(images.inputs, shape: [3, 1, 16, 16], to: folder.url.appendingPathComponent("x.npy").path)
    let predicted = try folder.run(
      "predict", "masks.yaml", "--weights", "run/weights.safetensors", "--input", "x.npy", "-o", "masks.npy")
    #expect(predicted.status == 0, "\(predicted)")
    let written = try NPYReader.read(Array(Data(contentsOf: folder.url.appendingPathComponent("masks.npy"))))
    #expect(written.shape == [3, 1, 16, 16])
    let augmented = Self.segmentation.replacingOccurrences(
      of: "  split: {validation: 0.25}", with: "  split: {validation: 0.25}\n  augment: [horizontal_flip]")
    try folder.write("flipped.yaml", augmented)
    let refused = try folder.run("train", "flipped.yaml", "-o", "flipped")
    #expect(refused.status != 0 && refused.stderr.contains("moves the pixels of the samples"), "\(refused)")
  }
}
