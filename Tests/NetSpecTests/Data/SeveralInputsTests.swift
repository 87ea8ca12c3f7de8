import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Sources feeding several inputs: samples laid side by side in the model's
/// input order from one file per input or from CSV column groups, trained
/// by the interpreter, and predicted from files named per input.
@Suite struct SeveralInputsTests {
  func load(_ path: String) throws -> (CheckedSpec, PreparedData) {
    var diagnostics = DiagnosticBag()
    guard let spec = Frontend.load(path: path, &diagnostics),
      let data = DataPipeline.load(spec.document.data!, for: spec.graph, seed: 5, &diagnostics)
    else { throw HarnessError("does not load: \(diagnostics.diagnostics.map(\.message))") }
    return (spec, data)
  }

  /// Every prepared sample is one fixture sample: its tokens, then its extra values.
  func expectFixtureSamples(_ data: PreparedData) {
    let (tokens, x, labels) = SeveralInputsFixture.values()
    var expected: [[Float]: Float] = [:]
    for i in 0..<SeveralInputsFixture.samples {
      expected[Array(tokens[(3 * i)..<(3 * i + 3)] + x[(2 * i)..<(2 * i + 2)])] = labels[i]
    }
    for split in [data.train, data.validation].compactMap({ $0 }) {
      #expect(split.inputShape == [5])
      for i in 0..<split.count {
        #expect(expected[Array(split.inputs[(5 * i)..<(5 * i + 5)])] == split.labels[i], "sample \(i)")
      }
    }
  }

  @Test func oneFilePerInputFeedsTheInputsInTheModelsOrder() throws {
    let folder = fixtureFolder()
    let (spec, data) = try load(try SeveralInputsFixture.write(into: folder))
    #expect(data.inputs == spec.graph.inputs && data.inputs.count == 2)
    #expect(data.train.count + (data.validation?.count ?? 0) == SeveralInputsFixture.samples)
    expectFixtureSamples(data)
  }

  @Test func csvColumnGroupsFeedTheirInputs() throws {
    let folder = fixtureFolder()
    let (tokens, x, labels) = SeveralInputsFixture.values()
    var rows = ["x1,t0,y,x0,t1,t2"]
    for i in 0..<SeveralInputsFixture.samples {
      rows.append(
        [x[2 * i + 1], tokens[3 * i], labels[i], x[2 * i], tokens[3 * i + 1], tokens[3 * i + 2]]
          .map { "\($0)" }.joined(separator: ","))
    }
    folder.write("table.csv", rows.joined(separator: "\n") + "\n")
    let path = try SeveralInputsFixture.write(
      into: folder, source: "{csv: table.csv, columns: {extra: [3, x1], tokens: [t0, 4, t2]}, label: y}")
    let (_, data) = try load(path)
    expectFixtureSamples(data)
  }

  @Test func theInterpreterTrainsAndPredictsByName() throws {
    let folder = fixtureFolder()
    let (spec, data) = try load(try SeveralInputsFixture.write(into: folder))
    let trainer = try Trainer(spec: spec, data: data)
    let result = try trainer.run(observe: { _ in })
    #expect(
      result.history.last!.trainLoss < 0.8 * result.history.first!.trainLoss, "\(result.history.map(\.trainLoss))")
    let weights = folder.appendingPathComponent("weights.safetensors").path
    try Checkpoint.write(trainer.interpreter, to: weights, metadata: [:], standardization: nil)
    let (ids, x) = (folder.appendingPathComponent("ids.npy").path, folder.appendingPathComponent("x.npy").path)
    let predictions = try Predictor.predict(spec, weights: weights, inputs: [("tokens", ids), ("extra", x)])
    let swapped = try Predictor.predict(spec, weights: weights, inputs: [("extra", x), ("tokens", ids)])
    #expect(predictions.count == SeveralInputsFixture.samples && predictions.outputs == swapped.outputs)
    // The trained model separates the classes on most samples.
    let labels = SeveralInputsFixture.values().labels
    let correct = (0..<predictions.count).filter { i in
      (predictions.outputs[2 * i + 1] > predictions.outputs[2 * i]) == (labels[i] == 1)
    }
    #expect(correct.count > predictions.count * 3 / 4, "\(correct.count) of \(predictions.count)")
  }

  @Test func predictionFilesAreMatchedByName() throws {
    let folder = fixtureFolder()
    let (spec, _) = try load(try SeveralInputsFixture.write(into: folder))
    #expect(PredictionFiles.parse("tokens=a.npy") == ("tokens", "a.npy"))
    #expect(PredictionFiles.parse("data/a=b.csv") == (nil, "data/a=b.csv"))
    let matched = try PredictionFiles.match([("extra", "b"), ("tokens", "a")], to: spec.graph)
    #expect(matched.map(\.path) == ["a", "b"] && matched.map(\.input) == spec.graph.inputs)
    for files: [(name: String?, path: String)] in [
      [("tokens", "a")], [(nil, "a"), ("extra", "b")], [("tokens", "a"), ("extra", "b"), ("mask", "c")],
      [("tokens", "a"), ("tokens", "b"), ("extra", "c")],
    ] {
      #expect(throws: PredictionError.self) { try PredictionFiles.match(files, to: spec.graph) }
    }
  }

  @Test func theClassAxisIsTheOneTheTargetLacks() {
    let (n, t) = (Dim.symbol("N"), Dim.symbol("T"))
    #expect(GraphFeed.classAxis([n, 10], target: [n]) == 10)
    #expect(GraphFeed.classAxis([n, t, 7], target: [n, t]) == 7)
    #expect(GraphFeed.classAxis([n, 3, 16, 16], target: [n, 16, 16]) == 3)
    #expect(GraphFeed.classAxis([n, 16, 16, 4], target: [n, 16, 16]) == 4)
  }
}
