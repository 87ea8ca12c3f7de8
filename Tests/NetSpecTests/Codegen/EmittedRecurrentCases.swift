/// Interpreter-vs-emitted cases for the recurrent and sequence ops (see
/// ``EmittedModelTests``).
enum EmittedRecurrentCases {
  static let cases: [EmittedModelHarness.Case] = [
    lstmSeed,
    sequence(
      "recurrent_stack",
      """
      inputs: {x: [N, T, 5]}
      layers:
        - dense: {units: 6, activation: tanh, name: proj}
        - lstm: {hidden: 4, name: a}
        - gru: {hidden: 3, layers: 2, name: b}
        - concat: {from: [a, b, proj], axis: -1}
        - gru: {hidden: 4, returns: last}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    sequence(
      "recurrent_frozen",
      """
      inputs: {x: [N, T, 3]}
      layers:
        - dense: {units: 3, activation: tanh}
        - gru: {hidden: 5, returns: sequences, trainable: false}
        - lstm: {hidden: 3, layers: 3, returns: last, trainable: false}
        - dense: 4
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1, momentum: 0.9}}}
      """, steps: 2),
    sequence(
      "recurrent_tied",
      """
      inputs: {x: [N, T, 4]}
      layers:
        - lstm: {hidden: 4, layers: 2, name: first}
        - lstm: {hidden: 4, layers: 2, tie: first}
        - gru: {hidden: 4, name: g1}
        - gru: {hidden: 4, tie: g1, returns: last}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    sequence(
      "recurrent_single_step",
      """
      inputs: {x: [N, T, 4]}
      layers:
        - lstm: {hidden: 3, layers: 2, returns: sequences}
        - gru: {hidden: 2, layers: 3, returns: last}
        - dense: 2
      train: {loss: mse, optimizer: {adam: {lr: 0.01}}}
      """, steps: 1),
    EmittedModelTests.inline(
      "shape_and_gating",
      """
      inputs: {x: [N, 4, 6]}
      layers:
        - dense: {units: 6, name: d0}
        - transpose: {perm: [0, 2, 1], name: t}
        - reshape: {shape: [3, -1], name: r}
        - softmax: {axis: 1, from: t, name: st}
        - reshape: {shape: [24], from: t, name: rt}
        - transpose: {perm: [0, 2, 1], from: st, name: ts}
        - add: {from: [ts, d0]}
        - flatten: {name: skip}
        - multiply: {from: [r, r], name: square}
        - lstm: {hidden: 5, layers: 2, name: seq}
        - softmax: {name: attention}
        - multiply: {from: [attention, seq], name: gated}
        - multiply: {from: [gated, seq, attention], name: triple}
        - concat: {from: [triple, r], axis: -1, name: joined}
        - reshape: [3, 13, 1]
        - transpose: [0, 3, 1, 2]
        - softmax: {axis: 2}
        - transpose: [0, 2, 3, 1]
        - softmax: {axis: -2, name: s}
        - concat: {from: [s, s], axis: 2}
        - softmax: 0
        - reshape: [-1]
        - transpose: {perm: [0, 1], name: flat}
        - concat: {from: [flat, skip, rt]}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    EmittedModelTests.inline(
      "concat_axes",
      """
      inputs: {x: [N, 2, 3, 4]}
      layers:
        - concat: {from: [x, x], axis: 1, name: c1}
        - dense: {units: 4, name: d}
        - concat: {from: [d, c1], axis: -1}
        - softmax: {axis: 2, name: p}
        - concat: {from: [p, p], axis: 2, name: q}
        - multiply: {from: [q, q, q]}
        - flatten
        - dense: 2
      train: {loss: mse, optimizer: {sgd: {lr: 0.05}}}
      """),
  ]

  /// `specs/lstm.yaml` shrunk to 8 hidden units over 4 steps (the 300-wide
  /// word vectors kept).
  static var lstmSeed: EmittedModelHarness.Case {
    var c = EmittedModelTests.seedSpec("lstm", set: ["hidden=8", "classes=5"], capacity: 3, batch: 3)
    c.bindings = ["T": 4]
    return c
  }

  /// An inline case over sequences of `steps` steps (`T`).
  static func sequence(_ name: String, _ body: String, steps: Int = 3) -> EmittedModelHarness.Case {
    var c = EmittedModelTests.inline(name, body)
    c.bindings = ["T": steps]
    return c
  }
}
