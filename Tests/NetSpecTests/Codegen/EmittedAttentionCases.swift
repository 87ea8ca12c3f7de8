/// Interpreter-vs-emitted cases for attention, normalization and embedding
/// ops (see ``EmittedModelTests``).
enum EmittedAttentionCases {
  static let cases: [EmittedModelHarness.Case] = [
    transformer,
    // Self-attention: two heads with biases, then four heads without, causal,
    // with attention dropout; `a` feeds both the second attention and the
    // add (accumulated input gradient); layernorm with its eps.
    EmittedModelTests.inline(
      "attention_self",
      """
      inputs: {x: [N, 5, 8]}
      layers:
        - attention: {heads: 2, name: a}
        - attention: {heads: 4, bias: false, causal: true, dropout: 0.2, name: b}
        - add: {from: [b, a]}
        - layernorm: {eps: 0.01}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    // Cross-attention: keys and values from the second input (through `m`,
    // which feeds two attentions, so its gradient accumulates), S != T, a
    // frozen attention and a frozen layernorm, one head of the full width.
    EmittedModelTests.inline(
      "attention_cross",
      """
      inputs: {x: [N, 4, 6], memory: [N, 7, 6]}
      layers:
        - dense: {units: 6, from: memory, name: m}
        - dense: {units: 6, from: x, name: q}
        - attention: {heads: 3, from: [q, m], dropout: 0.3, name: cross}
        - attention: {heads: 1, from: [cross, m], bias: false, trainable: false, name: frozen}
        - layernorm: {trainable: false, name: norm}
        - add: {from: [norm, q]}
        - layernorm
        - flatten
        - dense: 2
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05, momentum: 0.9}}}
      """),
    // Embeddings: a scaled table tied to the output layer (its gradient
    // accumulates over both uses), a learned positional table longer than
    // the sequence, a frozen unscaled table and a sinusoidal encoding.
    EmittedModelTests.inline(
      "embeddings",
      """
      inputs: {tokens: {shape: [N, 6], dtype: int32}}
      layers:
        - embedding: {vocab: 10, dim: 8, scale: true, name: embed}
        - positional_encoding: {kind: learned, max_length: 9, name: learned}
        - embedding: {vocab: 10, dim: 8, from: tokens, trainable: false, name: fixed}
        - positional_encoding: {kind: sinusoidal, name: sines}
        - add: {from: [learned, sines]}
        - dense: {units: 10, bias: false, tie: embed}
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    // Local response normalization: a window centred on each channel (odd
    // size, alpha and k), an even window with beta, both on `c` (accumulated
    // gradient), and a window wider than the channels.
    EmittedModelTests.inline(
      "lrn",
      """
      inputs: {x: [N, 5, 3, 2]}
      layers:
        - conv2d: {filters: 6, kernel: 1, name: c}
        - lrn: {size: 3, alpha: 0.5, k: 2, name: odd}
        - lrn: {size: 4, alpha: 1, beta: 0.5, from: c, name: even}
        - add: {from: [odd, even]}
        - lrn: {size: 9, beta: 1, name: wide}
        - flatten
        - dense: 3
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05}}}
      """),
  ]

  /// The seed Transformer shrunk: one encoder and one decoder layer of width
  /// 16, two heads, a vocabulary of 20 shared by both embeddings and the
  /// output layer, source length 5 and target length 4.
  static var transformer: EmittedModelHarness.Case {
    var c = EmittedModelTests.seedSpec(
      "transformer", set: ["vocab=20", "d_model=16", "heads=2", "d_ff=32", "layers=1", "dropout=0.1"], capacity: 2,
      batch: 2)
    c.bindings = ["S": 5, "T": 4]
    c.idRange = 20
    return c
  }
}
