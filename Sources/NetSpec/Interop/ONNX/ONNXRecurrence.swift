/// A recurrent stack (`lstm`, `gru`) as ONNX `LSTM`/`GRU` nodes, one per
/// layer, on time-major sequences. NetSpec keeps PyTorch's weights
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
  let returns: RecurrentOutput
  /// Attributes besides `hidden_size` (GRU's `linear_before_reset`).
  let attributes: [ONNXAttribute]

  func export(_ onnx: ONNXNodeContext) {
    var sequence = onnx.temporary("time_major")
    onnx.add("Transpose", onnx.inputs, [sequence], [.ints("perm", [1, 0, 2])])
    var last = ""
    for layer in 0..<layers {
      let w = reordered(onnx.weights("weight_ih_l\(layer)"))
      let r = reordered(onnx.weights("weight_hh_l\(layer)"))
      let b = reordered(onnx.weights("bias_ih_l\(layer)")) + reordered(onnx.weights("bias_hh_l\(layer)"))
      let rows = gateOrder.count * hidden
      let inputs = [
        sequence, onnx.constant("W_l\(layer)", w, shape: [1, rows, w.count / rows]),
        onnx.constant("R_l\(layer)", r, shape: [1, rows, hidden]),
        onnx.constant("B_l\(layer)", b, shape: [1, 2 * rows]),
      ]
      let (states, final) = (onnx.temporary("Y_l\(layer)"), onnx.temporary("Y_h_l\(layer)"))
      onnx.add(opType, inputs, [states, final], [.int("hidden_size", hidden)] + attributes)
      sequence = onnx.temporary("sequence_l\(layer)")
      onnx.add("Squeeze", [states, onnx.int64s("direction_axis", [1])], [sequence])
      last = final
    }
    switch returns {
    case .sequences: onnx.add("Transpose", [sequence], onnx.outputs, [.ints("perm", [1, 0, 2])])
    case .last: onnx.add("Squeeze", [last, onnx.int64s("direction_axis", [0])], onnx.outputs)
    }
  }

  /// The `[G·H, ...]` tensor's gate blocks in ONNX's order.
  private func reordered(_ values: [Float]) -> [Float] {
    let block = values.count / gateOrder.count
    return gateOrder.flatMap { values[($0 * block)..<(($0 + 1) * block)] }
  }
}
