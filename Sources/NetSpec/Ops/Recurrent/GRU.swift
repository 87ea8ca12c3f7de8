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

  public init(_ attributes: Attributes) {
    hidden = attributes.int("hidden")
    layers = attributes.int("layers")
    returns = attributes.string("returns").flatMap(RecurrentOutput.init(rawValue:)) ?? .sequences
    bidirectional = attributes.bool("bidirectional")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try Recurrence.infer(
      inputs, gates: 3, hidden: hidden, layers: layers, bidirectional: bidirectional, returns: returns,
      states: Self.states)
  }
}

extension GRU: ExecutableOperator {
  public static let examples = Recurrence.examples(states: states.count)

  /// Backward reads the input for the first layer's weight gradient; everything
  /// else comes from the saved state.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// The ``RecurrentStack`` kernel running this op on per-sample input `[T, I]`.
  func stack(_ shapes: OpShapes) -> RecurrentStack {
    Recurrence.stack(.gru, shapes, hidden: hidden, layers: layers, returns: returns, bidirectional: bidirectional)
  }

  /// Per layer, time-major (D directions): the gate activations `r, z, n`
  /// `[D, T, N, 3H]`, the reset gate's operand `W_hn h_{t-1} + b_hn`
  /// `[D, T, N, H]` and the hidden states `h_t` `[T, N, D·H]`.
  public func savedState(_ shapes: OpShapes) -> [Int] { stack(shapes).savedPerSample }

  /// The time-major input `[T, N, I]` (backward: then its gradient), followed
  /// forward by one step's recurrent term `[N, 3H]` and backward by the gradients
  /// of a layer's hidden states `[T, N, D·H]` and of its gates' input-side and
  /// hidden-side pre-activations (`[D, T, N, 3H]` each; they differ in the new gate).
  public func workspace(_ shapes: OpShapes) -> Int { stack(shapes).workspacePerSample }

  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` and the cell, as PyTorch:
  /// `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
  /// `h_t = (1 - z) * n + z * h_{t-1}`.
  public func forward(_ k: Kernel) { Recurrence.forward(stack(k.shapes), k) }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient, the direct path
  /// `dh_{t-1} += dh_t * z` and the recurrent GEMM `dh_{t-1} += dGates_t W_hh`;
  /// then per layer one GEMM each for `dW_ih`, `dW_hh` and the gradient of the
  /// layer's input.
  public func backward(_ k: Kernel) { Recurrence.backward(stack(k.shapes), k) }
}

extension GRU: EmittableOperator {
  /// One call of the same ``RecurrentStack`` kernel, with literal sizes.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    Recurrence.emitForward(stack(s.shapes), s, &code)
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    Recurrence.emitBackward(stack(s.shapes), s, &code)
  }
}

extension GRU: TorchExportable {
  /// `nn.GRU` (batch first): the same parameter names and gate order.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    "nn.GRU(\(layer.size(axis: -1)), \(hidden), \(layers), batch_first=True\(bidirectional ? ", bidirectional=True" : ""))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    Recurrence.torchForward(layer, returns: returns)
  }
}

extension GRU: ONNXExportable {
  /// One ONNX `GRU` per layer with `linear_before_reset` (PyTorch's form, the
  /// reset gate applied to `W_hn h + b_hn`); PyTorch's gates r, z, n become ONNX's z, r, h.
  func exportONNX(_ onnx: ONNXNodeContext) {
    ONNXRecurrence(
      opType: "GRU", gateOrder: [1, 0, 2], hidden: hidden, layers: layers, bidirectional: bidirectional,
      returns: returns,
      attributes: [.int("linear_before_reset", 1)]
    ).export(onnx)
  }
}
