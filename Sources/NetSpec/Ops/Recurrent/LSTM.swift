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

  public init(_ attributes: Attributes) {
    hidden = attributes.int("hidden")
    layers = attributes.int("layers")
    returns = attributes.string("returns").flatMap(RecurrentOutput.init(rawValue:)) ?? .sequences
    bidirectional = attributes.bool("bidirectional")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try Recurrence.infer(
      inputs, gates: 4, hidden: hidden, layers: layers, bidirectional: bidirectional, returns: returns,
      states: Self.states)
  }
}

extension LSTM: ExecutableOperator {
  public static let examples = Recurrence.examples(states: states.count)

  /// Backward reads the input for the first layer's weight gradient; everything
  /// else comes from the saved state.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// The ``RecurrentStack`` kernel running this op on per-sample input `[T, I]`.
  func stack(_ shapes: OpShapes) -> RecurrentStack {
    Recurrence.stack(.lstm, shapes, hidden: hidden, layers: layers, returns: returns, bidirectional: bidirectional)
  }

  /// Per layer, time-major (D directions): the gate activations `i, f, g, o`
  /// `[D, T, N, 4H]`, the cell states `c_t` and their `tanh(c_t)`
  /// `[D, T, N, H]`, and the hidden states `h_t` `[T, N, D·H]`.
  public func savedState(_ shapes: OpShapes) -> [Int] { stack(shapes).savedPerSample }

  /// The time-major input `[T, N, I]` (backward: then its gradient), and for the
  /// backward pass the gradients of a layer's hidden states `[T, N, D·H]` and
  /// gate pre-activations `[D, T, N, 4H]`, and the running cell-state gradient `[N, H]`.
  public func workspace(_ shapes: OpShapes) -> Int { stack(shapes).workspacePerSample }

  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` added into the step's gates,
  /// and the cell: `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`.
  public func forward(_ k: Kernel) { Recurrence.forward(stack(k.shapes), k) }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient and the running cell gradient, and
  /// the recurrent GEMM `dh_{t-1} += dGates_t W_hh`; then per layer one GEMM each
  /// for `dW_ih`, `dW_hh` and the gradient of the layer's input.
  public func backward(_ k: Kernel) { Recurrence.backward(stack(k.shapes), k) }
}

extension LSTM: EmittableOperator {
  /// One call of the same ``RecurrentStack`` kernel, with literal sizes.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    Recurrence.emitForward(stack(s.shapes), s, &code)
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    Recurrence.emitBackward(stack(s.shapes), s, &code)
  }
}

extension LSTM: TorchExportable {
  /// `nn.LSTM` (batch first): the same parameter names and gate order.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    "nn.LSTM(\(layer.size(axis: -1)), \(hidden), \(layers), batch_first=True\(bidirectional ? ", bidirectional=True" : ""))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    Recurrence.torchForward(layer, returns: returns)
  }
}

extension LSTM: ONNXExportable {
  /// One ONNX `LSTM` per layer; PyTorch's gates i, f, g, o become ONNX's i, o, f, c.
  func exportONNX(_ onnx: ONNXNodeContext) {
    ONNXRecurrence(
      opType: "LSTM", gateOrder: [0, 3, 1, 2], hidden: hidden, layers: layers, bidirectional: bidirectional,
      returns: returns, attributes: []
    ).export(onnx)
  }
}
