import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Examples/llama_decoder.yaml: the full LLaMA-7B-shaped decoder checks with
/// its `expect:` (Hugging Face's LlamaForCausalLM(LlamaConfig()) count), and its
/// reduced form trains on the spec's own synthetic copy task (the emitted
/// code is compared with the interpreter in ``EmittedTransformerExampleCases``).
@Suite struct LlamaExampleTests {
  static let path = ExampleSpec.path("llama_decoder.yaml")

  /// Width 32, two layers of four heads, a 16-token vocabulary, a SwiGLU
  /// width of 64.
  static let reduced = ["vocab=16", "dim=32", "layers=2", "heads=4", "hidden=64"]

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  @Test func fullSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameters.map(\.count).reduce(0, +) == 6_738_415_616)
    // Causal, rotary, bias-free attention in each of the 32 layers.
    let attentions = spec.graph.nodes.compactMap { $0.op as? MultiHeadAttention }
    #expect(attentions.count == 32 && attentions.allSatisfy { $0.causal && $0.rotary && !$0.bias })
    #expect(!spec.graph.parameters.contains { $0.name.hasSuffix(".bias") })
  }

  @Test(.tags(.slow)) func reducedFormLearnsTheCopyTask() throws {
    var diagnostics = DiagnosticBag()
    let options = try SeedSpecs.options(set: Self.reduced + ["samples=256", "length=8", "lr=3e-3"])
    let spec = try #require(
      Frontend.load(path: Self.path, options: options, &diagnostics), "\(diagnostics.diagnostics)")
    let data = try #require(
      DataPipeline.load(spec.document.data!, for: spec.graph, seed: 3, &diagnostics), "\(diagnostics.diagnostics)")
    let result = try Trainer(spec: spec, data: data, epochs: 3).run(observe: { _ in })
    let losses = result.history.map(\.trainLoss)
    let finite = losses.allSatisfy(\.isFinite)
    try #require(finite, "losses \(losses)")
    #expect(losses.last! < 0.5 * losses[0], "losses \(losses)")
  }
}
