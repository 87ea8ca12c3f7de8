import NetSpecDiagnostics
import NetSpecYAML
import Testing

@testable import NetSpec

/// Decodes a whole spec; decoding ends with the cross-section checks, and the
/// specs here are otherwise valid, so the result holds only their diagnostics.
private func check(_ yaml: String) throws -> DecodedSection<SpecDocument> {
  let file = SourceFile(path: sectionSpecPath, text: yaml)
  let root = try YAMLParser.parse(file).get()
  var decoding = DiagnosticBag()
  let document = try #require(SpecDecoder.decode(root, file: file, &decoding))
  return DecodedSection(value: document, diagnostics: decoding.sorted, file: file)
}

/// A spec with one image input and the given `train:` and `data:` lines.
private func spec(inputs: String = "{image: [N, 1, 28, 28]}", _ sections: String) -> String {
  """
  netspec: 1
  inputs: \(inputs)
  layers: [flatten, {dense: {units: 10, name: logits}}]
  \(sections)
  """
}

@Suite("train: and data: cross-section checks")
struct SectionChecksTests {
  @Test(arguments: [
    // The sketch in DESIGN.md.
    spec(
      """
      train:
        loss: {cross_entropy: {from: logits, target: label}}
        early_stopping: {monitor: val_loss, patience: 3, restore_best: true}
      data:
        train: {csv: ../data/mnist_5k.csv.gz, label: last, scale: 1/255, reshape: [1, 28, 28]}
        split: {validation: 0.1, test: 0.1, shuffle: true}
        augment: [{random_shift: 2}]
      """),
    spec("train: {loss: mse, early_stopping: {monitor: loss}}\ndata: {train: {csv: ../data/train.csv}}"),
    spec("data: {train: {csv: ../data/train.csv, input: image}, test: {csv: ../data/test.csv}}"),
    spec(inputs: "{a: [N, 4], b: [N, 4]}", "data: {train: {csv: ../data/train.csv, input: b}}"),
    spec(inputs: "{x: [N, 784]}", "data: {train: {csv: ../data/train.csv}, augment: [{gaussian_noise: 0.1}]}"),
    spec(inputs: "{seq: [N, T, 8]}", "data: {train: {csv: ../data/train.csv, reshape: [12, 8]}}"),
    spec(
      inputs: "{image: [N, 3, 32, 32]}",
      "data: {train: {csv: ../data/train.csv, reshape: [3, 32, 32]}, augment: [{random_crop: {size: 32, padding: 4}}, horizontal_flip]}"
    ),
    spec(
      inputs: "{image: [N, 3, 24, 24]}",
      "data: {train: {csv: ../data/train.csv, reshape: [3, 32, 32]}, test: {csv: ../data/test.csv, reshape: [3, 32, 32]}, augment: [{random_crop: 24}]}"
    ),
    // Without `data:` nothing is checked.
    spec("train: {loss: {mse: {target: y}}, early_stopping: {}}"),
  ])
  func consistentSpecs(_ yaml: String) throws {
    let checked = try check(yaml)
    #expect(checked.diagnostics.isEmpty, "\(checked.diagnostics.map(\.message))")
  }

  @Test(arguments: [
    SectionErrorCase(
      spec("train: {loss: mse, early_stopping: {monitor: val_loss}}\ndata: {train: {csv: ../data/train.csv}}"),
      .valueOutOfRange, at: "val_loss", "split: {validation: 0.1}"),
    SectionErrorCase(
      spec(
        "train: {loss: mse, early_stopping: {patience: 2}}\ndata: {train: {csv: ../data/train.csv}, split: {test: 0.2}}"
      ),
      .valueOutOfRange, at: "{patience: 2}", "monitors `val_loss`"),
    SectionErrorCase(
      spec("train: {loss: {mse: {target: y}}}\ndata: {train: {csv: ../data/train.csv}}"),
      .badLoss, at: "y", "target: label"),
    SectionErrorCase(
      spec("data: {train: {csv: ../data/train.csv, input: imgae}}"),
      .unknownReference, at: "imgae", "did you mean `image`?"),
    SectionErrorCase(
      spec("data: {train: {csv: ../data/train.csv}, test: {csv: ../data/test.csv, input: x}}"),
      .unknownReference, at: "x", "the inputs are `image`"),
    SectionErrorCase(
      spec(inputs: "{a: [N, 4], b: [N, 4]}", "data: {train: {csv: ../data/train.csv}}"),
      .missingKey, at: "{csv: ../data/train.csv}", "`a` or `b`"),
    SectionErrorCase(
      spec("data: {train: {csv: ../data/train.csv, reshape: [784]}}"),
      .badShape, at: "[784]", "reshape: [1, 28, 28]"),
    SectionErrorCase(
      spec("data: {train: {csv: ../data/train.csv, reshape: [1, 28, 27]}}"),
      .badShape, at: "[1, 28, 27]", "takes [1, 28, 28]"),
    SectionErrorCase(
      spec(
        inputs: "{image: [N, 3, 24, 24]}",
        "data: {train: {csv: ../data/train.csv, reshape: [1, 32, 32]}, augment: [{random_crop: 24}]}"),
      .badShape, at: "[1, 32, 32]", "a random crop sets the last two sizes"),
    SectionErrorCase(
      spec("data: {train: {csv: ../data/train.csv}, augment: [{random_crop: {size: 24, padding: 2}}]}"),
      .badShape, at: "{random_crop: {size: 24, padding: 2}}", "size: [28, 28]"),
    SectionErrorCase(
      spec(inputs: "{x: [N, 784]}", "data: {train: {csv: ../data/train.csv}, augment: [horizontal_flip]}"),
      .badShape, at: "horizontal_flip", "reshape: [1, 28, 28]"),
    SectionErrorCase(
      spec(
        inputs: "{tokens: {shape: [N, T], dtype: int32}}",
        "data: {train: {csv: ../data/train.csv}, augment: [{gaussian_noise: 0.1}]}"),
      .badData, at: "{gaussian_noise: 0.1}", "float32"),
  ])
  func inconsistentSpecs(_ error: SectionErrorCase) throws {
    error.check(try check(error.yaml))
  }

  @Test func labelsPointAtTheOtherSection() throws {
    let checked = try check(
      spec("train: {loss: mse, early_stopping: {}}\ndata: {train: {csv: ../data/train.csv, reshape: [784]}}"))
    #expect(checked.summary == ["value-out-of-range 4:36", "bad-shape 5:49"])
    #expect(checked.diagnostics.map { $0.labels.map { "\($0.span.start)" } } == [["5:7"], ["2:17"]])
  }
}
