import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `netspec predict -o out.npy` writes `[samples] + sampleShape`: the output's
/// shape with the symbols the samples bound.
@Suite struct PredictionShapeTests {
  @Test func sequenceOutputsKeepTheirShape() throws {
    var diagnostics = DiagnosticBag()
    let yaml = """
      netspec: 1
      inputs: {x: [N, T, 2]}
      layers:
        - dense: {units: 3, name: logits}
      """
    let spec = try #require(Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics))
    let directory = try TemporaryDirectory()
    let weights = directory.path("weights.safetensors")
    let values = ExportedWeights.initial(spec).values
    try SafetensorsFile(
      tensors: spec.graph.parameters.enumerated().map {
        NamedTensor(name: $1.name, shape: $1.shape, values: values[$0])
      }
    ).write(to: weights)
    let input = directory.path("x.npy")
    try NPYWriting.write((0..<20).map { Float($0) / 10 }, shape: [2, 5, 2], to: input)
    let predictions = try Predictor.predict(spec, weights: weights, input: input)
    #expect(predictions.count == 2)
    #expect(predictions.sampleShape == [5, 3])
    #expect(predictions.outputs.count == 30)
  }

  /// A `reshape` naming the symbol `T` of the input `[N, T]`: the samples
  /// bind T (here 7), and the reshape's `[T, 1]` is checked at that size.
  @Test func aReshapeNamingASymbolTakesItsSizeFromTheSamples() throws {
    var diagnostics = DiagnosticBag()
    let yaml = """
      netspec: 1
      inputs: {x: [N, T]}
      layers:
        - reshape: {shape: [T, 1]}
        - lstm: {hidden: 3, returns: last}
        - dense: {units: 1, name: out}
      """
    let spec = try #require(Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics))
    let directory = try TemporaryDirectory()
    let weights = directory.path("weights.safetensors")
    let values = ExportedWeights.initial(spec).values
    try SafetensorsFile(
      tensors: spec.graph.parameters.enumerated().map {
        NamedTensor(name: $1.name, shape: $1.shape, values: values[$0])
      }
    ).write(to: weights)
    let input = directory.path("x.npy")
    try NPYWriting.write((0..<14).map { Float($0) / 14 }, shape: [2, 7], to: input)
    let predictions = try Predictor.predict(spec, weights: weights, input: input)
    #expect(predictions.count == 2 && predictions.sampleShape == [1])
  }
}
