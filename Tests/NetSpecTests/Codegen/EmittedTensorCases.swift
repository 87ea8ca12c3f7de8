/// Interpreter-vs-emitted cases for the tensor and indexing ops, attention's
/// padding mask and rotary embeddings, and the reduced ViT-B/16 example (see
/// ``EmittedModelTests``).
enum EmittedTensorCases {
  static let cases: [EmittedModelHarness.Case] = [
    vit,
    // Indexing: a slice with a step and a negative start, a select, squeeze
    // and unsqueeze, an expand whose gradient sums, and a batched matmul of
    // the expanded column and the slice (the slice's gradient accumulates).
    EmittedModelTests.inline(
      "indexing",
      """
      inputs: {x: [N, 6, 4]}
      layers:
        - dense: {units: 4, name: d}
        - slice: {axis: 1, start: -5, step: 2, name: s}
        - select: {axis: -1, index: 1, from: d, name: c}
        - unsqueeze: {axis: -1, name: u}
        - expand: {shape: [-1, 3], name: e}
        - matmul: {from: [e, s], name: m}
        - slice: {axis: 2, end: 1}
        - squeeze: {axis: 2, name: q}
        - flatten: {from: s, name: f}
        - concat: {from: [q, f]}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    // A learned token (zeros at first, then trained) prepended to a
    // sequence, a constant one, and attention with a padding mask made by a
    // ReLU (so some keys are masked), causal, and with rotary embeddings.
    EmittedModelTests.inline(
      "tokens_and_masks",
      """
      inputs: {x: [N, 4, 8]}
      layers:
        - parameter: {shape: [1, 8], init: {normal: {std: 0.5}}, name: token}
        - constant: {shape: [1, 8], value: 0.5, from: x, name: half}
        - concat: {from: [token, x, half], axis: 1, name: seq}
        - dense: {units: 1, from: seq}
        - relu
        - squeeze: {axis: -1, name: keep}
        - attention: {heads: 2, padding_mask: true, causal: true, from: [seq, keep], name: a}
        - attention: {heads: 2, rotary: true, padding_mask: true, from: [a, keep], name: r}
        - select: 0
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
  ]

  /// Examples/vit_b16.yaml reduced (``VitB16ExampleTests/reduced``).
  static var vit: EmittedModelHarness.Case {
    let path = VitB16ExampleTests.path
    let yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return .init(
      name: "vit_b16", yaml: yaml, path: path, overrides: VitB16ExampleTests.reduced, capacity: 2, batch: 2)
  }
}
