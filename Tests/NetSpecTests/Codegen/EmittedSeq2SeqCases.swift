/// Interpreter-vs-emitted cases for encoder-decoder recurrence (see
/// ``EmittedModelTests``): the seq2seq example reduced, and bidirectional
/// stacks whose final states [N, 2L, H] start another bidirectional stack.
enum EmittedSeq2SeqCases {
  static let cases: [EmittedModelHarness.Case] = [
    .init(
      name: "seq2seq_reverse", yaml: (try? String(contentsOfFile: Seq2SeqExampleTests.path, encoding: .utf8)) ?? "",
      path: Seq2SeqExampleTests.path, overrides: ["dim=6", "hidden=5"], capacity: 3, batch: 3, bindings: ["T": 4]),
    // A two-layer bidirectional LSTM encoder starting a bidirectional LSTM
    // decoder whose final states are read too; a bidirectional GRU reading
    // the decoder's output, returning the last step.
    EmittedModelTests.inline(
      "bidirectional_states",
      """
      inputs: {src: [N, 5, 3], tgt: [N, 4, 3]}
      layers:
        - lstm: {hidden: 4, layers: 2, bidirectional: true, from: src, name: enc}
        - lstm: {hidden: 4, layers: 2, bidirectional: true, from: [tgt, enc.h, enc.c], name: dec}
        - gru: {hidden: 3, bidirectional: true, returns: last, name: top}
        - flatten: {from: dec.c, name: cells}
        - concat: {from: [top, cells], axis: -1}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
  ]
}
