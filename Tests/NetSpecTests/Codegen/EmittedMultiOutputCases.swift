/// Interpreter-vs-emitted cases for layers with several outputs: `split`'s
/// parts and the recurrent layers' initial and final states (see
/// ``EmittedModelTests``).
enum EmittedMultiOutputCases {
  static let cases: [EmittedModelHarness.Case] = [
    EmittedRecurrentCases.sequence(
      "multi_output_states",
      """
      inputs: {src: [N, T, 3], tgt: [N, T, 4]}
      layers:
        - lstm: {hidden: 4, from: src, returns: last, name: enc}
        - lstm: {hidden: 4, from: [tgt, enc.h, enc.c], name: dec}
        - split: {sizes: [1, 3], axis: -1, from: dec, name: parts}
        - gru: {hidden: 3, layers: 2, from: parts.1, name: g}
        - gru: {hidden: 3, layers: 2, from: [parts.1, g.h], returns: last, name: g2}
        - gru: {hidden: 2, from: parts.0, returns: last, name: first}
        - concat: {from: [enc, g2, dec.c, first], axis: -1}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    EmittedModelTests.inline(
      "multi_output_split",
      """
      inputs: {x: [N, 6, 4]}
      layers:
        - split: {chunks: 2, name: gate}
        - tanh: {from: gate.0, name: filter}
        - sigmoid: {from: gate.1, name: mask}
        - multiply: {from: [filter, mask]}
        - split: {chunks: 2, axis: -1, name: halves}
        - add: {from: [halves.0, halves.1]}
        - flatten
        - dense: 2
      train: {loss: mse, optimizer: {sgd: {lr: 0.05}}}
      """),
  ]
}
