import NetSpecKernels

/// A recurrent layer op (`lstm`, `gru`): a stack of `layers` layers of one
/// ``RecurrentCell``, in one or two directions, over `[N, T, features]`. The
/// attributes' reading, the shape rule (``Recurrence``), the examples, the
/// kernel calls of both backends (one ``RecurrentStack``) and the PyTorch and
/// ONNX plumbing come from here; an op adds its schema, its cell, its states
/// and its PyTorch and ONNX names.
protocol RecurrentLayer: EmittableOperator {
  var hidden: Int { get }
  var layers: Int { get }
  var returns: RecurrentOutput { get }
  /// Whether each layer also runs over the reversed sequence.
  var bidirectional: Bool { get }

  /// The op from its attributes (the memberwise initializer).
  init(hidden: Int, layers: Int, returns: RecurrentOutput, bidirectional: Bool)

  /// The cell the ``RecurrentStack`` kernel runs.
  static var cell: RecurrentCell { get }

  /// The states a stack of this cell starts from and ends with (`h`, then `c`).
  static var states: [String] { get }

  /// PyTorch's module, batch first: `nn.LSTM`, `nn.GRU`.
  static var torchClass: String { get }
}

extension RecurrentLayer {
  /// The op from its checked attributes.
  public init(_ attributes: Attributes) {
    self.init(
      hidden: attributes.int("hidden"), layers: attributes.int("layers"),
      returns: attributes.string("returns").flatMap(RecurrentOutput.init(rawValue:)) ?? .sequences,
      bidirectional: attributes.bool("bidirectional"))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try Recurrence.infer(
      inputs, gates: Self.cell.gates, hidden: hidden, layers: layers, bidirectional: bidirectional, returns: returns,
      states: Self.states)
  }

  public static var examples: [OpExample] { Recurrence.examples(states: states.count) }

  /// Backward reads the input for the first layer's weight gradient; everything
  /// else comes from the saved state.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// The ``RecurrentStack`` kernel running this op on per-sample input `[T, I]`.
  func stack(_ shapes: OpShapes) -> RecurrentStack {
    Recurrence.stack(Self.cell, shapes, hidden: hidden, layers: layers, returns: returns, bidirectional: bidirectional)
  }

  /// The kernel's saved state (``RecurrentStack/savedPerSample``; the cell's
  /// documentation says what it holds).
  public func savedState(_ shapes: OpShapes) -> [Int] { stack(shapes).savedPerSample }

  /// The kernel's workspace (``RecurrentStack/workspacePerSample``).
  public func workspace(_ shapes: OpShapes) -> Int { stack(shapes).workspacePerSample }

  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`),
  /// then per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` and the cell.
  public func forward(_ k: Kernel) { Recurrence.forward(stack(k.shapes), k) }

  /// Backpropagation through time, top layer first: per step in reverse, the
  /// cell's gate gradients and the recurrent GEMM `dh_{t-1} += dGates_t W_hh`;
  /// then per layer one GEMM each for `dW_ih`, `dW_hh` and the gradient of the
  /// layer's input.
  public func backward(_ k: Kernel) { Recurrence.backward(stack(k.shapes), k) }

  /// One call of the same ``RecurrentStack`` kernel, with literal sizes.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    Recurrence.emitForward(stack(s.shapes), s, &code)
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    Recurrence.emitBackward(stack(s.shapes), s, &code)
  }

  /// One ONNX `opType` node per layer, PyTorch's gate `gateOrder[i]` as ONNX's
  /// gate `i`, with `attributes` besides `hidden_size` (``ONNXRecurrence``).
  func exportRecurrence(
    _ onnx: ONNXNodeContext, _ opType: String, gateOrder: [Int], attributes: [ONNXAttribute] = []
  ) {
    ONNXRecurrence(
      opType: opType, gateOrder: gateOrder, hidden: hidden, layers: layers, bidirectional: bidirectional,
      returns: returns, attributes: attributes
    ).export(onnx)
  }
}

extension RecurrentLayer {
  /// ``torchClass`` (batch first): the same parameter names and gate order
  /// (the op's `torchModule`).
  func stackModule(_ layer: TorchLayer) -> String {
    "\(Self.torchClass)(\(layer.size(axis: -1)), \(hidden), \(layers), batch_first=True\(bidirectional ? ", bidirectional=True" : ""))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    Recurrence.torchForward(layer, returns: returns)
  }
}
