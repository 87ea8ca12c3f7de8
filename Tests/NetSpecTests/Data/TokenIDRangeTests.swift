import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Token ids past an embedding's vocabulary are a diagnostic naming the file,
/// the sample and the id, in training data and in predict input (they used
/// to trap on the embedding's precondition).
@Suite struct TokenIDRangeTests {
  static let yaml = """
    netspec: 1
    inputs: {x: {shape: [N, 4], dtype: int32}}
    layers:
      - embedding: {vocab: 5, dim: 2}
      - flatten
      - dense: 3
    train: {loss: cross_entropy, optimizer: sgd, epochs: 1}
    data:
      train: {csv: a.csv}
    """

  @Test func trainingDataWithAnIdPastTheVocabularyIsBadData() throws {
    let directory = try TemporaryDirectory()
    try "1,2,3,4,0\n0,1,9,2,1\n".write(toFile: directory.path("a.csv"), atomically: true, encoding: .utf8)
    let spec = try #require(checkedSpec(Self.yaml, in: directory.url))
    let (data, diagnostics) = loadData(spec)
    #expect(data == nil)
    let diagnostic = try #require(diagnostics.first)
    #expect(diagnostic.code == .badData)
    #expect(diagnostic.message.contains("sample 1 of `a.csv` holds the token id 9"), "\(diagnostic.message)")
    #expect(diagnostic.message.contains("`embedding_1` has a vocabulary of 5"))
    #expect(spanText(diagnostic) == "{csv: a.csv}")
    #expect(diagnostic.labels.map { spanText(Diagnostic(.badData, at: $0.span, "")) } == ["5"])
  }

  @Test func predictInputWithAnIdPastTheVocabularyIsAnError() throws {
    let directory = try TemporaryDirectory()
    try "1,2,3,4,0\n".write(toFile: directory.path("a.csv"), atomically: true, encoding: .utf8)
    let spec = try #require(checkedSpec(Self.yaml, in: directory.url))
    let plan = try Planner.plan(spec.graph, capacity: 1, training: false)
    let weights = directory.path("w.safetensors")
    try Checkpoint.write(Interpreter(plan: plan, seed: 0), to: weights, metadata: [:])
    let input = directory.path("ids.csv")
    try "0,1,2,3\n4,4,5,0\n".write(toFile: input, atomically: true, encoding: .utf8)
    let error = #expect(throws: PredictionError.self) { try Predictor.predict(spec, weights: weights, input: input) }
    #expect(
      error?.message.contains("sample 1 of `\(input)` holds the token id 5") == true, "\(String(describing: error))")
  }
}
