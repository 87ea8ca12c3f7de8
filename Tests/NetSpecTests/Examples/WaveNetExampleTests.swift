import Foundation
import NetSpecDiagnostics
import NetSpecRuntime
import Testing

@testable import NetSpec

/// `Examples/wavenet.yaml`: the full WaveNet stack checks with its pinned
/// parameter count (548,640, the PyTorch module of the spec's comment) and
/// shapes, and the reduced form (16 mu-law classes, 4 residual and gate
/// channels, 8 skip channels, 32 samples, all 30 layers) learns next-sample prediction:
/// Adam steps on one batch of the spec's own `waveform` task lower its loss.
@Suite(.tags(.slow)) struct WaveNetExampleTests {
  static let path = ExampleSpec.path("wavenet.yaml")
  static let reduced = ["classes=16", "residual=4", "gate=4", "skip=8", "length=32"]

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func theFullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameterCount == 548_640)
    func shape(_ name: String) throws -> Shape {
      try #require(spec.graph.values.first { $0.name == name }, "no value `\(name)`").type.shape
    }
    let n = Dim.symbol("N")
    #expect(try shape("logits") == [n, Dim(256), Dim(64)])
    #expect(try shape("stack.28.skip") == [n, Dim(256), Dim(64)])
    #expect(try shape("stack.0.unit.gate.1") == [n, Dim(32), Dim(64)])
    // The dilation schedule 2 ** (index % 10) and its causal (left-only) padding.
    func ints(_ kind: SpecValue.Kind?) -> [Int] {
      switch kind {
      case .int(let value): return [value]
      case .list(let items): return items.compactMap { if case .int(let value) = $0.kind { value } else { nil } }
      default: return []
      }
    }
    for index in 0..<29 {
      let conv = try #require(spec.graph.nodes.first { $0.name == "stack.\(index).unit.conv" })
      let dilation: Int = 1 << (index % 10)
      #expect(ints(conv.attributes.values["dilation"]) == [dilation], "stack.\(index)")
      #expect(ints(conv.attributes.values["padding"]) == [dilation, 0], "stack.\(index)")
    }
    // No warnings: every layer's value reaches the loss (the last layer has no residual convolution).
    var diagnostics = DiagnosticBag()
    _ = Frontend.load(path: Self.path, options: try SeedSpecs.options(set: []), &diagnostics)
    #expect(diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics.map(\.message))")
  }

  /// The spec's `waveform` task at the reduced size: inputs and targets are
  /// mu-law classes below 16, each target the next input.
  static func batch(_ count: Int, length: Int) -> Dataset {
    var random = RandomGenerator(seed: 3)
    return SyntheticTasks.waveform(count, length: length, levels: 16, random: &random)
  }

  @Test func theReducedFormLearnsNextSamplePrediction() throws {
    let spec = try Self.load(set: Self.reduced)
    let (batch, length) = (4, 32)
    let data = Self.batch(batch, length: length)
    let graph = spec.graph
    let losses = try FixedBatchTraining(batch: batch, steps: 30).losses(of: spec) { interpreter in
      for (value, source) in [(graph.inputs[0], data.inputs), (graph.targets[0], data.labels)] {
        let buffer = interpreter.buffer(of: value)
        try #require(buffer.count == source.count)
        for i in buffer.indices { buffer[i] = source[i] }
      }
    }
    // Near log(16) at the start, for 16 classes.
    #expect(abs(losses[0] - log(16)) < 0.5, "losses \(losses)")
    // Adam at the spec's 1e-3 moves 30 thin layers slowly: every step lowers the loss.
    #expect(zip(losses, losses.dropFirst()).allSatisfy { $1 < $0 }, "losses \(losses)")
    #expect(losses.last! < 0.97 * losses[0], "losses \(losses)")
  }
}
