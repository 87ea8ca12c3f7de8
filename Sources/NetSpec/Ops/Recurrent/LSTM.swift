import NetSpecKernels

/// Long short-term memory over `[N, T, I]` sequences, as
/// `torch.nn.LSTM(I, hidden, layers, batch_first=True, bidirectional=...)`: four gates (input,
/// forget, cell, output, stacked in that order along the weights' first axis).
public struct LSTM: Operator {
  public static let schema = OpSchema(
    name: "lstm", category: .recurrent,
    summary:
      "Long short-term memory over [N, T, features]: the hidden state at every step or the last, and the final states.",
    inputs: .between(1, 3),
    attributes: Recurrence.attributes,
    primary: "hidden", outputs: ["output"] + states)

  /// The states a stack of this cell starts from and ends with.
  static let states = ["h", "c"]

  public let hidden: Int
  public let layers: Int
  public let returns: RecurrentOutput
  /// Whether each layer also runs over the reversed sequence.
  public let bidirectional: Bool
}

extension LSTM: RecurrentLayer {
  /// The cell `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`; backward, the
  /// gate gradients come from the hidden-state gradient and the running cell
  /// gradient.
  ///
  /// Saved per layer, time-major (D directions): the gate activations
  /// `i, f, g, o` `[D, T, N, 4H]`, the cell states `c_t` and their `tanh(c_t)`
  /// `[D, T, N, H]`, and the hidden states `h_t` `[T, N, D·H]`. Workspace: the
  /// time-major input `[T, N, I]` (backward: then its gradient), and for the
  /// backward pass the gradients of a layer's hidden states `[T, N, D·H]` and
  /// gate pre-activations `[D, T, N, 4H]`, and the running cell-state gradient
  /// `[N, H]`.
  static var cell: RecurrentCell { .lstm }

  static var torchClass: String { "nn.LSTM" }
}

extension LSTM: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { stackModule(layer) }
}

extension LSTM: ONNXExportable {
  /// One ONNX `LSTM` per layer; PyTorch's gates i, f, g, o become ONNX's i, o, f, c.
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportRecurrence(onnx, "LSTM", gateOrder: [0, 3, 1, 2])
  }
}
