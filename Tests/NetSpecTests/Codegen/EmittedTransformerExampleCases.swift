/// Interpreter-vs-emitted cases for the BERT-base and LLaMA-style decoder
/// examples, reduced (see ``EmittedModelTests``): three inputs with a
/// key-padding mask, post-LN layers, exact GELU and the pooler's `select`;
/// RMSNorm, causal rotary attention without biases and the SwiGLU MLP.
enum EmittedTransformerExampleCases {
  static let cases: [EmittedModelHarness.Case] = [
    example(
      "bert_base", path: BertExampleTests.path,
      overrides: ["vocab=12", "hidden=16", "layers=1", "heads=2", "intermediate=32", "max_positions=8"], idRange: 2),
    example(
      "llama_decoder", path: LlamaExampleTests.path,
      overrides: ["vocab=12", "dim=16", "layers=2", "heads=2", "hidden=24"], idRange: 12),
  ]

  static func example(_ name: String, path: String, overrides: [String], idRange: Int) -> EmittedModelHarness.Case {
    let yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    var c = EmittedModelHarness.Case(
      name: name, yaml: yaml, path: path, overrides: overrides, capacity: 2, batch: 2)
    c.bindings = ["T": 5]
    c.idRange = idRange
    return c
  }
}
