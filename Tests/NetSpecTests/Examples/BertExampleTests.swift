import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Examples/bert_base.yaml: the full BERT-base checks with its `expect:` (the
/// parameter count of Hugging Face's BertForSequenceClassification for
/// bert-base-uncased), and its reduced form trains through `netspec train`'s
/// trainer on a small task fed from three NPY files, one per model input
/// (the emitted code is compared with the interpreter in
/// ``EmittedTransformerExampleCases``).
@Suite struct BertExampleTests {
  static let path = ExampleSpec.path("bert_base.yaml")

  /// Width 32, two layers of four heads, a 64-token vocabulary, positions up
  /// to 16, no dropout (fresh masks each step would hide the trend).
  static let reduced = [
    "vocab=64", "hidden=32", "layers=2", "heads=4", "intermediate=64", "max_positions=16", "dropout=0",
  ]

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func fullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameters.map(\.count).reduce(0, +) == 109_483_778)
    // BertModel's own 109,482,240 plus the 768 -> 2 classifier.
    let classifier = spec.graph.parameters.filter { $0.name.hasPrefix("classifier.") }
    #expect(classifier.map(\.count).reduce(0, +) == 1538)
    #expect(spec.graph.inputs.count == 3)
    // Every attention layer reads the attention mask as its key-padding mask.
    let mask = try #require(spec.graph.inputs.first { spec.graph.values[$0].name == "attention_mask" })
    let readers = spec.graph.nodes.filter { $0.inputs.contains(mask) }
    #expect(readers.count == 12 && readers.allSatisfy { ($0.op as? MultiHeadAttention)?.paddingMask == true })
  }

  static let samples = 128
  static let steps = 8

  /// Token ids (a [CLS] id 1, then ids from 4 up, then padding id 0), segment
  /// ids (0 for the first half of the positions, 1 for the rest), the mask (1
  /// up to a random length from 4 to 8, then 0) and the label: whether the
  /// token after [CLS] is in the upper half of the vocabulary.
  static func write(into folder: URL) throws {
    var random = RandomGenerator(seed: 23)
    var (ids, segments, mask, labels) = ([Float](), [Float](), [Float](), [Float]())
    for _ in 0..<samples {
      let length = 4 + random.nextInt(below: 5)
      for t in 0..<steps {
        ids.append(t == 0 ? 1 : t < length ? Float(4 + random.nextInt(below: 60)) : 0)
        segments.append(t < steps / 2 ? 0 : 1)
        mask.append(t < length ? 1 : 0)
      }
      labels.append(ids[ids.count - steps + 1] >= 32 ? 1 : 0)
    }
    let shape = [samples, steps]
    try NPYWriting.write(ids, shape: shape, to: folder.appendingPathComponent("ids.npy").path)
    try NPYWriting.write(segments, shape: shape, to: folder.appendingPathComponent("segments.npy").path)
    try NPYWriting.write(mask, shape: shape, to: folder.appendingPathComponent("mask.npy").path)
    try NPYWriting.write(labels, shape: [samples], to: folder.appendingPathComponent("labels.npy").path)
  }

  @Test(.tags(.slow)) func reducedFormLearnsFromThreeInputs() throws {
    let folder = fixtureFolder()
    try Self.write(into: folder)
    let text =
      try String(contentsOfFile: Self.path, encoding: .utf8) + """
        data:
          train:
            npy:
              inputs: {input_ids: ids.npy, token_type_ids: segments.npy, attention_mask: mask.npy}
              labels: labels.npy

        """
    var diagnostics = DiagnosticBag()
    let file = SourceFile(path: folder.appendingPathComponent("bert.yaml").path, text: text)
    let options = try SeedSpecs.options(set: Self.reduced + ["lr=3e-3", "batch=16"])
    let spec = try #require(Frontend.check(file, options: options, &diagnostics), "\(diagnostics.diagnostics)")
    let data = try #require(
      DataPipeline.load(spec.document.data!, for: spec.graph, seed: 3, &diagnostics), "\(diagnostics.diagnostics)")
    #expect(data.inputs == spec.graph.inputs && data.inputs.count == 3)
    let result = try Trainer(spec: spec, data: data, epochs: 7).run(observe: { _ in })
    let losses = result.history.map(\.trainLoss)
    let finite = losses.allSatisfy(\.isFinite)
    try #require(finite, "losses \(losses)")
    #expect(losses.last! < 0.8 * losses[0], "losses \(losses)")
  }
}
