import Foundation
import Testing

@testable import NetSpec

/// `netspec predict --greedy` on Examples/seq2seq_reverse.yaml, reduced to
/// sequences of 3 tokens out of 3 ids and trained briefly: greedy decoding feeds
/// each predicted token back, so it agrees with teacher-forced prediction
/// whenever the tokens fed are the same.
@Suite(.tags(.slow)) struct GreedyDecodingTests {
  /// `--set` overrides: 3 tokens of 3 ids, a small encoder-decoder, 1,024
  /// sequences for 6 epochs (about 98 % of the tokens right).
  static let reduced = ["vocab=3", "length=3", "dim=8", "hidden=32", "samples=1024", "epochs=6"]

  /// The reduced model trained, its weights and the test split's digits,
  /// shifted targets and targets as NPY files in `folder`.
  struct Trained {
    var spec: CheckedSpec
    var weights: String
    var digits: String
    var count: Int
    /// The test split's targets (the reversed digits) and decoder inputs.
    var labels: [[Int]]
    var previous: [[Int]]
  }

  static func train(in folder: URL) throws -> Trained {
    let spec = try ExampleSpec.load(ExampleSpec.path("seq2seq_reverse.yaml"), set: reduced)
    let (prepared, diagnostics) = loadData(spec)
    let data = try #require(prepared, "\(diagnostics.map(\.message))")
    let trainer = try Trainer(spec: spec, data: data)
    _ = try trainer.run(observe: { _ in })
    let weights = folder.appendingPathComponent("weights.safetensors").path
    try Checkpoint.write(trainer.interpreter, to: weights, metadata: ["netspec": "1"], standardization: nil)
    let test = try #require(data.test)
    let rows = (0..<test.count).map { sample in test.inputs[(sample * 6)..<((sample + 1) * 6)].map { Int($0) } }
    let digits = folder.appendingPathComponent("digits.npy").path
    try NPYWriting.write(rows.flatMap { $0[0..<3].map(Float.init) }, shape: [test.count, 3], to: digits)
    let labels = (0..<test.count).map { sample in test.labels[(sample * 3)..<((sample + 1) * 3)].map { Int($0) } }
    return Trained(
      spec: spec, weights: weights, digits: digits, count: test.count, labels: labels,
      previous: rows.map { Array($0[3..<6]) })
  }

  /// The most likely token at each position when the decoder reads `previous`.
  static func teacherForced(_ trained: Trained, previous: [[Int]], in folder: URL) throws -> [[Int]] {
    let path = folder.appendingPathComponent("previous.npy").path
    try NPYWriting.write(previous.flatMap { $0.map(Float.init) }, shape: [previous.count, 3], to: path)
    let predictions = try Predictor.predict(
      trained.spec, weights: trained.weights, inputs: [("digits", trained.digits), ("previous", path)])
    return (0..<predictions.count).map { predictions.classes(of: $0).map(\.index) }
  }

  @Test func greedyDecodingAgreesWithTeacherForcing() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-greedy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let trained = try Self.train(in: folder)
    let (decoded, classes) = try Predictor.decodeGreedily(
      trained.spec, weights: trained.weights, inputs: [("digits", trained.digits)])
    #expect(classes == 3 && decoded.tokens.count == trained.count)

    // Fed its own tokens behind the start token 3, teacher forcing predicts them again.
    let fed = decoded.tokens.map { [3] + $0.dropLast() }
    #expect(try Self.teacherForced(trained, previous: fed, in: folder) == decoded.tokens)

    // Where teacher forcing on the true prefix is right, greedy decoding is too.
    let forced = try Self.teacherForced(trained, previous: trained.previous, in: folder)
    let right = trained.labels.indices.filter { forced[$0] == trained.labels[$0] }
    #expect(right.count >= trained.count / 2, "\(right.count) of \(trained.count) sequences right")
    for sample in right { #expect(decoded.tokens[sample] == trained.labels[sample], "sample \(sample)") }

    let lines = decoded.csvLines(classes: classes)
    #expect(lines[0] == "sample,tokens")
    #expect(lines[1] == "0," + decoded.tokens[0].map(String.init).joined(separator: " "))
  }

  /// The `end` token cuts the printed sequence; later positions hold it.
  @Test func theEndTokenEndsTheSequence() {
    let decoded = DecodedSequences(tokens: [[2, 0, 0], [1, 3, 2]], end: 0)
    #expect(decoded.sequence(0) == [2] && decoded.sequence(1) == [1, 3, 2])
    #expect(decoded.csvLines(classNames: ["a", "b", "c", "d"], classes: 4) == ["sample,tokens", "0,c", "1,b d c"])
    #expect(decoded.csvLines(classes: 4) == ["sample,tokens", "0,2", "1,1 3 2"])
  }

  /// The decoder input takes no file, and a spec without `decode:` cannot decode.
  @Test func greedyDecodingRefusesWhatItCannotDo() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-greedy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let spec = try ExampleSpec.load(ExampleSpec.path("seq2seq_reverse.yaml"), set: Self.reduced)
    let weights = folder.appendingPathComponent("weights.safetensors").path
    let interpreter = Interpreter(
      plan: try Planner.plan(spec.graph, capacity: 1, bindings: ["T": 3], training: false), seed: 1)
    try Checkpoint.write(interpreter, to: weights, metadata: [:], standardization: nil)
    let digits = folder.appendingPathComponent("digits.npy").path
    try NPYWriting.write([0, 1, 2], shape: [1, 3], to: digits)
    let both = #expect(throws: PredictionError.self) {
      try Predictor.decodeGreedily(spec, weights: weights, inputs: [("digits", digits), ("previous", digits)])
    }
    #expect(both?.message.contains("feeds the input `previous` the tokens it decodes") == true)
    var undecodable = spec
    undecodable.document.decode = nil
    let none = #expect(throws: PredictionError.self) {
      try Predictor.decodeGreedily(undecodable, weights: weights, inputs: [("digits", digits)])
    }
    #expect(none?.message.contains("no `decode:` section") == true)
    let decoded = try Predictor.decodeGreedily(spec, weights: weights, inputs: [(nil, digits)])
    #expect(decoded.sequences.tokens.map(\.count) == [3])
  }
}
