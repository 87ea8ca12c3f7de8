import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Examples/seq2seq_reverse.yaml: the full spec checks with its `expect:` (the
/// parameter count of the PyTorch module in its comment), its synthetic data
/// feeds the decoder the shifted target, and its reduced form learns from that
/// data (the emitted code is compared with the interpreter in
/// ``EmittedSeq2SeqCases``; the gradients with PyTorch's in the
/// `model_seq2seq` oracle fixture).
@Suite struct Seq2SeqExampleTests {
  static let path = ExampleSpec.path("seq2seq_reverse.yaml")

  /// `--set` overrides: embeddings of 8, states of 16, 64 sequences.
  static let reduced = ["dim=8", "hidden=16", "samples=64"]

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func theFullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameters.reduce(0) { $0 + $1.shape.reduce(1, *) } == 167_850)
    let table = try #require(spec.graph.parameters.first { $0.name == "target_embedding.weight" })
    #expect(table.shape == [11, 32])
    #expect(spec.graph.inputs.map { spec.graph.values[$0].name } == ["digits", "previous"])
  }

  /// Each sample holds the digits, then the reversed digits shifted right
  /// behind the start token 10; the labels are the reversed digits.
  @Test func theDecoderReadsTheShiftedTarget() throws {
    let spec = try Self.load(set: Self.reduced)
    let (prepared, diagnostics) = loadData(spec)
    let data = try #require(prepared, "\(diagnostics.map(\.message))")
    #expect(data.bindings == ["T": 8])
    #expect(data.train.inputShape == [16] && data.train.labelShape == [8])
    for sample in 0..<data.train.count {
      let row = Array(data.train.inputs[(sample * 16)..<((sample + 1) * 16)])
      let labels = Array(data.train.labels[(sample * 8)..<((sample + 1) * 8)])
      #expect(labels == Array(row[0..<8].reversed()))
      #expect(Array(row[8..<16]) == [10] + labels.dropLast())
    }
  }

  @Test func theReducedFormLearnsFromItsData() throws {
    let spec = try Self.load(set: Self.reduced)
    let (prepared, _) = loadData(spec)
    let data = try #require(prepared).train
    let batch = 16
    let training = FixedBatchTraining(batch: batch, steps: 30, bindings: ["T": 8], seed: 7, lr: 1e-2)
    let losses = try training.losses(of: spec) { interpreter in
      let (digits, previous) = (
        interpreter.buffer(of: spec.graph.inputs[0]), interpreter.buffer(of: spec.graph.inputs[1])
      )
      let target = interpreter.buffer(of: try #require(spec.graph.targets.first))
      for sample in 0..<batch {
        for t in 0..<8 {
          digits[sample * 8 + t] = data.inputs[sample * 16 + t]
          previous[sample * 8 + t] = data.inputs[sample * 16 + 8 + t]
          target[sample * 8 + t] = data.labels[sample * 8 + t]
        }
      }
    }
    #expect(losses.last! < 0.8 * losses[0], "losses \(losses)")
  }
}
