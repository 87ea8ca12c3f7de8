import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `netspec predict -o out.npy` writes `[samples] + sampleShape`: the output's
/// shape with the symbols the samples bound.
@Suite struct PredictionShapeTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    /// The spec's `inputs:` and `layers:`.
    var model: String
    /// The NPY samples' shape, the sample count first.
    var samples: [Int]
    /// The shape of one sample's prediction.
    var sampleShape: [Int]
    var testDescription: String { name }
  }

  static let cases = [
    Case(
      name: "sequence outputs keep their shape",
      model: """
        inputs: {x: [N, T, 2]}
        layers:
          - dense: {units: 3, name: logits}
        """,
      samples: [2, 5, 2], sampleShape: [5, 3]),
    // The samples bind T (here 7), and the reshape's `[T, 1]` is checked at that size.
    Case(
      name: "a reshape naming the symbol T of the input [N, T] takes its size from the samples",
      model: """
        inputs: {x: [N, T]}
        layers:
          - reshape: {shape: [T, 1]}
          - lstm: {hidden: 3, returns: last}
          - dense: {units: 1, name: out}
        """,
      samples: [2, 7], sampleShape: [1]),
  ]

  @Test(arguments: cases) func predictionsHaveTheOutputsShape(_ example: Case) throws {
    var diagnostics = DiagnosticBag()
    let yaml = "netspec: 1\n" + example.model
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
    let count = example.samples.reduce(1, *)
    try NPYWriting.write((0..<count).map { Float($0) / Float(count) }, shape: example.samples, to: input)
    let predictions = try Predictor.predict(spec, weights: weights, input: input)
    #expect(predictions.count == example.samples[0])
    #expect(predictions.sampleShape == example.sampleShape)
    #expect(predictions.outputs.count == example.samples[0] * example.sampleShape.reduce(1, *))
  }
}
