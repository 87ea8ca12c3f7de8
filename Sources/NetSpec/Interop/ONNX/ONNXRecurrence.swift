/// A recurrent stack (`lstm`, `gru`) as ONNX `LSTM`/`GRU` nodes, one per
/// layer (`direction: bidirectional` for a bidirectional stack), on
/// time-major sequences. NetSpec keeps PyTorch's weights
/// (`weight_ih_l0` `[G·H, I]`, gates stacked in PyTorch's order); ONNX wants
/// `W` `[1, G·H, I]`, `R` `[1, G·H, H]` and `B` `[1, 2·G·H]` (input then
/// recurrent biases) with the gates in its own order, so each layer's weights
/// are stored re-laid-out as `<layer>/W_l<k>`, `<layer>/R_l<k>`, `<layer>/B_l<k>`.
struct ONNXRecurrence {
  /// `LSTM` or `GRU`.
  let opType: String
  /// For each ONNX gate, the index of the PyTorch gate it is.
  let gateOrder: [Int]
  let hidden: Int
  let layers: Int
  /// One `bidirectional` node per layer: `W`, `R`, `B` and the states stack
  /// the forward direction, then the reverse one (`..._reverse` weights).
  let bidirectional: Bool
  let returns: RecurrentOutput
  /// Attributes besides `hidden_size` (GRU's `linear_before_reset`).
  let attributes: [ONNXAttribute]

  private var directions: Int { bidirectional ? 2 : 1 }

  func export(_ onnx: ONNXNodeContext) {
    var sequence = onnx.temporary("time_major")
    onnx.add("Transpose", [onnx.inputs[0]], [sequence], [.ints("perm", [1, 0, 2])])
    let stateCount = onnx.outputs.count - 1
    var finals = Array(repeating: [String](), count: stateCount)
    let suffixes = ["", "_reverse"].prefix(directions)
    for layer in 0..<layers {
      let w = suffixes.flatMap { reordered(onnx.weights("weight_ih_l\(layer)\($0)")) }
      let r = suffixes.flatMap { reordered(onnx.weights("weight_hh_l\(layer)\($0)")) }
      let b = suffixes.flatMap {
        reordered(onnx.weights("bias_ih_l\(layer)\($0)")) + reordered(onnx.weights("bias_hh_l\(layer)\($0)"))
      }
      let rows = gateOrder.count * hidden
      var inputs = [
        sequence, onnx.constant("W_l\(layer)", w, shape: [directions, rows, w.count / rows / directions]),
        onnx.constant("R_l\(layer)", r, shape: [directions, rows, hidden]),
        onnx.constant("B_l\(layer)", b, shape: [directions, 2 * rows]),
      ]
      if onnx.inputs.count > 1 {
        // No sequence lengths, then each initial state as [D, N, H].
        inputs += [""] + onnx.inputs.dropFirst().map { initialState($0, layer: layer, onnx) }
      }
      let states = onnx.temporary("Y_l\(layer)")
      let layerFinals = (0..<stateCount).map { onnx.temporary("Y_\(["h", "c"][$0])_l\(layer)") }
      let direction: [ONNXAttribute] = bidirectional ? [.string("direction", "bidirectional")] : []
      onnx.add(opType, inputs, [states] + layerFinals, [.int("hidden_size", hidden)] + direction + attributes)
      for (i, final) in layerFinals.enumerated() { finals[i].append(final) }
      sequence = onnx.temporary("sequence_l\(layer)")
      if bidirectional {
        // Y [T, 2, N, H] to [T, N, 2H]: each step's forward half, then its reverse half.
        let steps = onnx.temporary("steps_l\(layer)")
        onnx.add("Transpose", [states], [steps], [.ints("perm", [0, 2, 1, 3])])
        onnx.add("Reshape", [steps, onnx.int64s("sequence_shape", [0, 0, -1])], [sequence])
      } else {
        onnx.add("Squeeze", [states, onnx.int64s("direction_axis", [1])], [sequence])
      }
    }
    switch returns {
    case .sequences: onnx.add("Transpose", [sequence], [onnx.outputs[0]], [.ints("perm", [1, 0, 2])])
    case .last where bidirectional:
      // The output's last step (the reverse half is not its final state).
      let last = onnx.temporary("last_step")
      onnx.add(
        "Slice",
        [
          sequence, onnx.int64s("last_start", [-1]), onnx.int64s("last_end", [Int(Int64.max)]),
          onnx.int64s("time_axis", [0]),
        ], [last])
      onnx.add("Squeeze", [last, onnx.int64s("time_axis", [0])], [onnx.outputs[0]])
    case .last: onnx.add("Squeeze", [finals[0].last!, onnx.int64s("direction_axis", [0])], [onnx.outputs[0]])
    }
    // Final states: [D, N, H] per layer to [N, H] for one, else to [D·L, N, H] then [N, D·L, H].
    for (i, layerFinals) in finals.enumerated() {
      if layers * directions == 1 {
        onnx.add("Squeeze", [layerFinals[0], onnx.int64s("layer_axis", [0])], [onnx.outputs[1 + i]])
      } else {
        let stacked = onnx.temporary("final_\(i)")
        onnx.add("Concat", layerFinals, [stacked], [.int("axis", 0)])
        onnx.add("Transpose", [stacked], [onnx.outputs[1 + i]], [.ints("perm", [1, 0, 2])])
      }
    }
  }

  /// Layer `layer`'s part of a batch-first initial state (`[N, H]`, or
  /// `[N, D·L, H]` for several layers or directions) as ONNX's `[D, N, H]`.
  private func initialState(_ state: String, layer: Int, _ onnx: ONNXNodeContext) -> String {
    let result = onnx.temporary("\(state)_l\(layer)")
    if layers * directions == 1 {
      onnx.add("Unsqueeze", [state, onnx.int64s("layer_axis", [0])], [result])
    } else {
      let gathered = onnx.temporary("\(state)_gathered_l\(layer)")
      let entries = Array((layer * directions)..<((layer + 1) * directions))
      onnx.add("Gather", [state, onnx.int64s("layer_\(layer)", entries)], [gathered], [.int("axis", 1)])
      onnx.add("Transpose", [gathered], [result], [.ints("perm", [1, 0, 2])])
    }
    return result
  }

  /// The `[G·H, ...]` tensor's gate blocks in ONNX's order.
  private func reordered(_ values: [Float]) -> [Float] {
    let block = values.count / gateOrder.count
    return gateOrder.flatMap { values[($0 * block)..<(($0 + 1) * block)] }
  }
}
