import NetSpecKernels

/// Gated recurrent unit over `[N, T, I]` sequences, as
/// `torch.nn.GRU(I, hidden, layers, batch_first=True, bidirectional=...)`: three gates (reset,
/// update, new, stacked in that order along the weights' first axis).
public struct GRU: Operator {
  public static let schema = OpSchema(
    name: "gru", category: .recurrent,
    summary:
      "Gated recurrent unit over [N, T, features]: the hidden state at every step or the last, and the final states.",
    inputs: .between(1, 2),
    attributes: Recurrence.attributes,
    primary: "hidden", outputs: ["output"] + states)

  /// The states a stack of this cell starts from and ends with.
  static let states = ["h"]

  public let hidden: Int
  public let layers: Int
  public let returns: RecurrentOutput
  /// Whether each layer also runs over the reversed sequence.
  public let bidirectional: Bool
}

extension GRU: RecurrentLayer {
  /// The cell, as PyTorch's: `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`,
  /// `n = tanh(x_n + r * h_n)`, `h_t = (1 - z) * n + z * h_{t-1}`; backward,
  /// the gate gradients come from the hidden-state gradient, plus the direct
  /// path `dh_{t-1} += dh_t * z`.
  ///
  /// Saved per layer, time-major (D directions): the gate activations
  /// `r, z, n` `[D, T, N, 3H]`, the reset gate's operand `W_hn h_{t-1} + b_hn`
  /// `[D, T, N, H]` and the hidden states `h_t` `[T, N, D·H]`. Workspace: the
  /// time-major input `[T, N, I]` (backward: then its gradient), followed
  /// forward by one step's recurrent term `[N, 3H]` and backward by the
  /// gradients of a layer's hidden states `[T, N, D·H]` and of its gates'
  /// input-side and hidden-side pre-activations (`[D, T, N, 3H]` each; they
  /// differ in the new gate).
  static var cell: RecurrentCell { .gru }

  static var torchClass: String { "nn.GRU" }
}

extension GRU: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { stackModule(layer) }
}

extension GRU: ONNXExportable {
  /// One ONNX `GRU` per layer with `linear_before_reset` (PyTorch's form, the
  /// reset gate applied to `W_hn h + b_hn`); PyTorch's gates r, z, n become ONNX's z, r, h.
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportRecurrence(onnx, "GRU", gateOrder: [1, 0, 2], attributes: [.int("linear_before_reset", 1)])
  }
}
