/// What a recurrent layer (`lstm`, `gru`) outputs.
public enum RecurrentOutput: String, Sendable, CaseIterable {
  /// The last layer's hidden state at every step: `[N, T, H]`.
  case sequences
  /// The last layer's hidden state after the final step: `[N, H]`.
  case last
}

/// The attributes and shape rule that `lstm` and `gru` share. They differ only
/// in their number of gates (4 and 3), which scales every weight's first axis.
enum Recurrence {
  /// `hidden` (primary), `layers` and `returns`.
  static let attributes: [AttributeSpec] = [
    .required("hidden", .int(1...Dim.limit), "size H of the hidden state"),
    .default(
      "layers", .int(1...1024), .int(1),
      "number of stacked layers; each reads the previous layer's sequence"),
    .default(
      "returns", .choice(RecurrentOutput.allCases.map(\.rawValue)),
      .string(RecurrentOutput.sequences.rawValue),
      "`sequences`: the hidden state at every step [N, T, H]; `last`: after the final step [N, H]"),
  ]

  /// Types, PyTorch-named parameters (`weight_ih_l0` `[G·H, I]`, `weight_hh_l0`
  /// `[G·H, H]`, `bias_ih_l0`, `bias_hh_l0` `[G·H]`, then `..._l1`, ...) with
  /// PyTorch's U(±1/sqrt(H)) initialization, and the FLOPs of the gate matrix
  /// products, `2·N·T·G·H·(in + H)` per layer, for `gates` = G.
  static func infer(
    _ inputs: [TensorType], gates: Int, hidden: Int, layers: Int, returns: RecurrentOutput
  ) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 3, layout: "[N, T, features]")
    let features = try ShapeRules.staticSize(x, axis: 2, what: "feature size")
    var parameters: [ParameterSpec] = []
    var flopsPerStep = Dim(0)
    let rows = gates * hidden
    for layer in 0..<layers {
      let inputSize = layer == 0 ? features : hidden
      _ = try ShapeRules.parameterCount([rows, max(inputSize, hidden)])
      parameters += [
        ParameterSpec("weight_ih_l\(layer)", [rows, inputSize], .fanIn(hidden), rowBlocks: gates),
        ParameterSpec("weight_hh_l\(layer)", [rows, hidden], .fanIn(hidden), rowBlocks: gates),
        ParameterSpec("bias_ih_l\(layer)", [rows], .fanIn(hidden)),
        ParameterSpec("bias_hh_l\(layer)", [rows], .fanIn(hidden)),
      ]
      flopsPerStep = try ShapeRules.add(flopsPerStep, Dim(2 * rows * (inputSize + hidden)))
    }
    let (batch, steps) = (x.shape[0], x.shape[1])
    let output =
      switch returns {
      case .sequences: TensorType([batch, steps, Dim(hidden)])
      case .last: TensorType([batch, Dim(hidden)])
      }
    let flops = try ShapeRules.multiply(ShapeRules.multiply(batch, steps), flopsPerStep)
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}

extension Recurrence {
  /// Examples shared by the recurrent ops: one and two layers, returning
  /// sequences or the last state, including a single-step sequence.
  static let examples = [
    OpExample(["hidden": .int(3)], inputs: [.batch(4, 2)]),
    OpExample(["hidden": .int(2), "returns": .string("last")], inputs: [.batch(3, 3)]),
    OpExample(["hidden": .int(3), "layers": .int(2)], inputs: [.batch(3, 2)]),
    OpExample(["hidden": .int(2), "layers": .int(2), "returns": .string("last")], inputs: [.batch(1, 3)]),
  ]
}
