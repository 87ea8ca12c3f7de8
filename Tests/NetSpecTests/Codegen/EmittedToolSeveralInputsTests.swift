import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The tool of a package emitted for a model with two inputs (int32 token ids
/// and float32 values, one NPY file each, the values scaled and standardized
/// per input) trains to the weights `netspec train` reaches and predicts from
/// `--input NAME=FILE` as `netspec predict`, transforming each input as it.
@Suite struct EmittedToolSeveralInputsTests {
  /// The fixture's source with a `scale` and `standardize` of `extra`.
  static let source =
    "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}, scale: {extra: 4}, standardize: [extra]}"

  @Test func theToolTrainsAndPredictsTwoInputs() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-tool-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try SeveralInputsFixture.write(into: directory, source: Self.source)
    var diagnostics = DiagnosticBag()
    guard let spec = Frontend.load(path: path, &diagnostics),
      let data = DataPipeline.load(spec.document.data!, for: spec.graph, seed: 5, &diagnostics)
    else { throw HarnessError("the spec does not load: \(diagnostics.diagnostics.map(\.message))") }
    let binary = try EmittedToolTests.compileTool(
      spec, data: data, capacity: 16, sourceName: "two.yaml", typeName: "TwoInputs", in: directory)

    let help = try EmittedToolTests.run([binary, "--help"], in: directory)
    #expect(help.contains("--input tokens=FILE --input extra=FILE"), "\(help)")
    _ = try EmittedToolTests.run([binary, "train", "--epochs", "2", "-o", "run"], in: directory)
    let emitted = try SafetensorsFile(contentsOf: directory.appendingPathComponent("run/weights.safetensors").path)
    let trainer = try Trainer(spec: spec, data: data, epochs: 2)
    _ = try trainer.run(observe: { _ in })
    try EmittedToolTests.expectWeights(emitted, equal: trainer)

    let weights = directory.appendingPathComponent("run/weights.safetensors").path
    let (ids, x) = (directory.appendingPathComponent("ids.npy").path, directory.appendingPathComponent("x.npy").path)
    let printed = try EmittedToolTests.run(
      [binary, "predict", "--weights", weights, "--input", "extra=\(x)", "--input", "tokens=\(ids)"], in: directory)
    let expected = try Predictor.predict(spec, weights: weights, inputs: [("tokens", ids), ("extra", x)]).csvLines()
    EmittedToolTests.expectCSV(printed, matches: expected)
    let missing = #expect(throws: HarnessError.self) {
      try EmittedToolTests.run([binary, "predict", "--weights", weights, "--input", "tokens=\(ids)"], in: directory)
    }
    #expect(missing.map { "\($0)".contains("no file is given for the model input `extra`") } == true)
  }
}
