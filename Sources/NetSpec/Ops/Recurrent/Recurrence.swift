/// What a recurrent layer (`lstm`, `gru`) outputs.
public enum RecurrentOutput: String, Sendable, CaseIterable {
  /// The last layer's hidden state at every step: `[N, T, D·H]`.
  case sequences
  /// The last layer's output at the final step: `[N, D·H]` (PyTorch's
  /// `output[:, -1]`; the reverse direction's half has seen only that step).
  case last
}

/// The attributes and shape rule that `lstm` and `gru` share. They differ only
/// in their number of gates (4 and 3), which scales every weight's first axis.
/// D is 2 for a bidirectional stack, else 1.
enum Recurrence {
  /// `hidden` (primary), `layers`, `returns` and `bidirectional`.
  static let attributes: [AttributeSpec] = [
    .required("hidden", .int(1...Dim.limit), "size H of the hidden state"),
    .default(
      "layers", .int(1...1024), .int(1),
      "number of stacked layers; each reads the previous layer's sequence"),
    .default(
      "returns", .choice(RecurrentOutput.allCases.map(\.rawValue)),
      .string(RecurrentOutput.sequences.rawValue),
      "`sequences`: the hidden state at every step [N, T, D·H]; `last`: the output's final step [N, D·H]"),
    .default(
      "bidirectional", .bool, .bool(false),
      "also run each layer over the reversed sequence (D = 2): outputs [forward, reverse], D·H wide"),
  ]

  /// The type of one state (`h`, `c`) of a stack of `units` layers and
  /// directions over `x`: `[N, H]` for one, else `[N, D·L, H]` (batch first:
  /// PyTorch's `h_n` transposed, in its order: layer 0 forward, layer 0
  /// reverse, layer 1 forward, ...).
  static func stateType(_ x: TensorType, hidden: Int, units: Int) -> TensorType {
    TensorType(units == 1 ? [x.shape[0], Dim(hidden)] : [x.shape[0], Dim(units), Dim(hidden)])
  }

  /// Types, PyTorch-named parameters (`weight_ih_l0` `[G·H, I]`, `weight_hh_l0`
  /// `[G·H, H]`, `bias_ih_l0`, `bias_hh_l0` `[G·H]`, then for a bidirectional
  /// stack `weight_ih_l0_reverse`, ..., then `..._l1`, ...; layers above the
  /// first read `D·H` features) with PyTorch's U(±1/sqrt(H)) initialization,
  /// and the FLOPs of the gate matrix products, `2·N·T·G·H·(in + H)` per layer
  /// and direction, for `gates` = G. The inputs
  /// after the sequence are the initial `states` (`h`, then `c` for LSTM), all
  /// of them or none; the outputs are the sequence output, then the final states.
  static func infer(
    _ inputs: [TensorType], gates: Int, hidden: Int, layers: Int, bidirectional: Bool, returns: RecurrentOutput,
    states: [String]
  ) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 3, layout: "[N, T, features]")
    let directions = bidirectional ? 2 : 1
    let state = stateType(x, hidden: hidden, units: directions * layers)
    if inputs.count > 1 {
      guard inputs.count == states.count + 1 else {
        throw ShapeError(
          .shapeMismatch, "the initial states are \(states.joined(separator: " and ")): got \(inputs.count - 1)",
          input: inputs.count - 1,
          help:
            "list the sequence, then \(states.map { "its initial `\($0)`" }.joined(separator: " and ")) under `from:`")
      }
      for (i, given) in inputs.enumerated().dropFirst() where given.shape != state.shape || given.dtype != .float32 {
        throw ShapeError(
          .shapeMismatch,
          "the initial `\(states[i - 1])` has shape \(given.shape.shapeDescription), expected \(state.shape.shapeDescription)",
          input: i,
          help: directions * layers == 1
            ? "a one-layer stack's state is [N, hidden]"
            : "a stack's state is [N, \(bidirectional ? "2 * layers" : "layers"), hidden] (batch first)")
      }
    }
    let features = try ShapeRules.staticSize(x, axis: 2, what: "feature size")
    var parameters: [ParameterSpec] = []
    var flopsPerStep = Dim(0)
    let rows = gates * hidden
    for layer in 0..<layers {
      let inputSize = layer == 0 ? features : directions * hidden
      _ = try ShapeRules.parameterCount([rows, max(inputSize, hidden)])
      for suffix in ["", "_reverse"].prefix(directions) {
        parameters += [
          ParameterSpec("weight_ih_l\(layer)\(suffix)", [rows, inputSize], .fanIn(hidden), rowBlocks: gates),
          ParameterSpec("weight_hh_l\(layer)\(suffix)", [rows, hidden], .fanIn(hidden), rowBlocks: gates),
          ParameterSpec("bias_ih_l\(layer)\(suffix)", [rows], .fanIn(hidden)),
          ParameterSpec("bias_hh_l\(layer)\(suffix)", [rows], .fanIn(hidden)),
        ]
        flopsPerStep = try ShapeRules.add(flopsPerStep, Dim(2 * rows * (inputSize + hidden)))
      }
    }
    let (batch, steps) = (x.shape[0], x.shape[1])
    let width = Dim(directions * hidden)
    let output =
      switch returns {
      case .sequences: TensorType([batch, steps, width])
      case .last: TensorType([batch, width])
      }
    let flops = try ShapeRules.multiply(ShapeRules.multiply(batch, steps), flopsPerStep)
    return Inference(
      outputs: [output] + states.map { _ in state }, parameters: parameters, flops: flops)
  }
}

extension Recurrence {
  /// Examples shared by the recurrent ops, with `states` initial states: one
  /// and two layers, one and two directions, returning sequences or the last
  /// state, including a single-step sequence, with and without initial states.
  static func examples(states: Int) -> [OpExample] {
    [
      OpExample(["hidden": .int(2)], inputs: [.batch(3, 2)] + Array(repeating: .batch(2), count: states)),
      OpExample(
        ["hidden": .int(2), "layers": .int(2), "returns": .string("last")],
        inputs: [.batch(2, 3)] + Array(repeating: .batch(2, 2), count: states)),
      OpExample(
        ["hidden": .int(2), "bidirectional": .bool(true)],
        inputs: [.batch(3, 2)] + Array(repeating: .batch(2, 2), count: states)),
      OpExample(
        ["hidden": .int(2), "layers": .int(2), "bidirectional": .bool(true), "returns": .string("last")],
        inputs: [.batch(3, 2)] + Array(repeating: .batch(4, 2), count: states)),
    ] + withoutStates
  }

  private static let withoutStates = [
    OpExample(["hidden": .int(3)], inputs: [.batch(4, 2)]),
    OpExample(["hidden": .int(2), "returns": .string("last")], inputs: [.batch(3, 3)]),
    OpExample(["hidden": .int(3), "layers": .int(2)], inputs: [.batch(3, 2)]),
    OpExample(["hidden": .int(2), "layers": .int(2), "returns": .string("last")], inputs: [.batch(1, 3)]),
    OpExample(["hidden": .int(3), "layers": .int(2), "bidirectional": .bool(true)], inputs: [.batch(3, 2)]),
  ]
}

extension Recurrence {
  /// PyTorch's `(output, h_n)` or `(output, (h_n, c_n))` as the op's outputs:
  /// the output (its last step for `returns: last`), then each final state
  /// batch first (`h_n[0]` for one layer, else `h_n.transpose(0, 1)`); initial
  /// states are handed over the other way round.
  static func torchForward(_ layer: TorchLayer, returns: RecurrentOutput) -> String {
    layer.define(
      "recurrent_state",
      """
      def recurrent_state(state):
          \"\"\"A NetSpec recurrent state ([N, H] or [N, L, H]) as PyTorch's [L, N, H].\"\"\"
          return state.unsqueeze(0) if state.dim() == 2 else state.transpose(0, 1).contiguous()
      """)
    layer.define(
      "recurrent_outputs",
      """
      def recurrent_outputs(result, last):
          \"\"\"nn.LSTM's or nn.GRU's result as NetSpec's outputs: the output, then the final states batch first.\"\"\"
          output, states = result
          states = states if isinstance(states, tuple) else (states,)
          batch_first = tuple(s[0] if s.shape[0] == 1 else s.transpose(0, 1) for s in states)
          return (output[:, -1] if last else output,) + batch_first
      """)
    let initial = layer.inputs.dropFirst().map { "recurrent_state(\($0))" }
    let states =
      switch initial.count {
      case 0: ""
      case 1: ", \(initial[0])"
      default: ", (\(initial.joined(separator: ", ")))"
      }
    return "recurrent_outputs(\(layer.module)(\(layer.x)\(states)), \(returns == .last ? "True" : "False"))"
  }
}
