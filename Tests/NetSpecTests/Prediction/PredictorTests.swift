import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `netspec predict`'s engine: the same transform as training, stored
/// statistics, label columns dropped, and clear errors.
@Suite struct PredictorTests {
  /// Iris, standardized, a linear classifier.
  static let iris = """
    netspec: 1
    inputs: {x: [N, 4]}
    layers:
      - dense: {units: 3, name: logits}
    train: {loss: cross_entropy, optimizer: {adam: {lr: 0.05}}, batch_size: 32, epochs: 15, seed: 3}
    data:
      train: {csv: iris.csv, label: last, standardize: true}
    """

  /// The checked iris spec, read as if it sat beside the bundled data.
  func irisSpec(_ yaml: String = iris) throws -> CheckedSpec {
    try InlineSpec.check(yaml, path: exampleData("iris.yaml"))
  }

  /// Trains the iris spec and writes its weights (with the statistics) into `directory`.
  func trainIris(_ spec: CheckedSpec, _ directory: TemporaryDirectory) throws -> (Trainer, String) {
    let data = try InlineSpec.data(of: spec, seed: 3)
    let trainer = try Trainer(spec: spec, data: data)
    _ = try trainer.run(observe: { _ in })
    let path = directory.path("weights.safetensors")
    try Checkpoint.write(trainer.interpreter, to: path, metadata: [:], standardization: data.standardization)
    return (trainer, path)
  }

  @Test func predictsTheTrainingFileLikeEvaluation() throws {
    let spec = try irisSpec()
    let directory = try TemporaryDirectory()
    let (trainer, weights) = try trainIris(spec, directory)
    let evaluated = try #require(trainer.evaluate(trainer.data.train).accuracy)

    // The training CSV itself: its label column is dropped, the stored
    // statistics standardize it.
    let predictions = try Predictor.predict(spec, weights: weights, input: exampleData("iris.csv"))
    #expect(predictions.count == 150 && predictions.kind == .classes(3))
    let labels = trainer.data.train.labels
    let correct = (0..<150).filter { predictions.classes(of: $0)[0].index == Int(labels[$0]) }.count
    #expect(Double(correct) / 150 == evaluated)
    #expect(evaluated > 0.85)
    let lines = predictions.csvLines()
    #expect(lines.count == 151 && lines[0] == "sample,class,probability")
    let probability = try #require(Float(lines[1].split(separator: ",")[2]))
    #expect(probability > 1.0 / 3 && probability <= 1)
  }

  @Test func featuresWithoutLabelsGiveTheSamePredictions() throws {
    let spec = try irisSpec()
    let directory = try TemporaryDirectory()
    let (_, weights) = try trainIris(spec, directory)
    let features = "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"
    let path = directory.path("two.csv")
    try features.write(toFile: path, atomically: true, encoding: .utf8)
    let two = try Predictor.predict(spec, weights: weights, input: path)
    let all = try Predictor.predict(spec, weights: weights, input: exampleData("iris.csv"))
    #expect(Array(two.outputs(of: 0)) == Array(all.outputs(of: 0)))
    #expect(Array(two.outputs(of: 1)) == Array(all.outputs(of: 145)))
  }

  @Test func wrongSampleSizeIsAnErrorNamingBothShapes() throws {
    let spec = try irisSpec()
    let directory = try TemporaryDirectory()
    let (_, weights) = try trainIris(spec, directory)
    let path = directory.path("bad.csv")
    try "1,2,3,4,5,6\n".write(toFile: path, atomically: true, encoding: .utf8)
    let error = #expect(throws: PredictionError.self) { try Predictor.predict(spec, weights: weights, input: path) }
    #expect(error?.message.contains("have shape [6] (6 values), but the input `x` takes [4]") == true)
  }

  @Test func standardizingWithoutStoredStatisticsIsAnError() throws {
    let spec = try irisSpec()
    let directory = try TemporaryDirectory()
    let (trainer, _) = try trainIris(spec, directory)
    let bare = directory.path("bare.safetensors")
    try Checkpoint.write(trainer.interpreter, to: bare, metadata: [:])
    let error = #expect(throws: PredictionError.self) {
      try Predictor.predict(spec, weights: bare, input: exampleData("iris.csv"))
    }
    #expect(error?.message.contains("holds no training statistics") == true)
  }

  @Test func regressionAndBinaryOutputsReadAsValuesAndProbabilities() {
    let values = Predictions(kind: .values, count: 2, perSample: 1, outputs: [1.5, -2])
    #expect(values.csvLines() == ["sample,value", "0,1.5", "1,-2"])
    let binary = Predictions(kind: .binary, count: 1, perSample: 1, outputs: [0])
    #expect(binary.csvLines() == ["sample,probability,label", "0,0.5,1"])
    let sequence = Predictions(kind: .classes(2), count: 1, perSample: 6, outputs: [0, 1, 1, 0, 0, 1])
    #expect(sequence.csvLines() == ["sample,classes", "0,1 0 1"])
  }
}
