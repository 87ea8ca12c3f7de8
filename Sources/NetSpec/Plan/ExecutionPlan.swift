/// One model's planned execution: every buffer's place in one float32 arena,
/// and the ordered kernel steps of the forward pass and (for training) the
/// backward pass. The interpreter runs it; the Swift emitter writes code for it.
/// Both read the same plan, so they make the same decisions.
public struct ExecutionPlan: Sendable {
  /// A region of the activation arena.
  public struct Buffer: Sendable, Hashable {
    /// What the buffer holds, for emitted comments and debugging (`conv1`, `d conv1`).
    public var name: String
    /// Offset in floats from the start of the arena.
    public var offset: Int
    /// Floats per sample; the buffer holds `capacity * perSample` floats when
    /// `batched`, else `perSample`.
    public var perSample: Int
    public var batched: Bool
    /// Per-sample shape, for comments (`[6, 28, 28]`).
    public var shape: [Int]
    /// First and last step index (forward then backward) that use the buffer.
    public var firstUse: Int
    public var lastUse: Int

    /// Floats the buffer occupies at a batch capacity.
    public func size(capacity: Int) -> Int { batched ? capacity * perSample : perSample }
  }

  public typealias BufferID = Int

  public enum Phase: Sendable { case forward, backward }

  /// One kernel call.
  public struct Step: Sendable {
    public var node: NodeID
    public var phase: Phase
    /// The step's number in buffer lifetimes (``Buffer/firstUse``): forward
    /// steps by their node's place among the planned nodes (an absorbed
    /// node's number stays unused), then backward steps in order.
    public var index: Int
    public var shapes: OpShapes
    public var inputs: [BufferID]
    public var outputs: [BufferID]
    public var saved: [BufferID]
    public var workspace: BufferID?
    /// Backward: gradients of the outputs.
    public var outputGradients: [BufferID]
    /// Backward: gradients of the inputs (nil where none is needed).
    public var inputGradients: [BufferID?]
    public var accumulateInput: [Bool]
    public var accumulateParameter: [Bool]
    /// Backward: the outputs whose gradient no later step writes (a final
    /// state nothing reads), by index: the step zeroes those gradients before
    /// its kernel runs.
    public var zeroedOutputGradients: [Int] = []
    /// What the plan's fusions add to this step (``ExecutionPlan/fusions``);
    /// ``fusedPooling``, ``inputGradientMask`` and ``outputGradientMasked``
    /// read it for the ops' kernels.
    public var fusions: [StepFusion] = []
  }

  /// Where one parameter lives in the parameter arena (and, if trainable, at the
  /// same offset in the gradient arena).
  public struct ParameterSlot: Sendable, Hashable {
    public var parameter: ParameterID
    public var offset: Int
    public var count: Int
  }

  public let graph: Graph
  /// Largest batch the plan's buffers hold.
  public let capacity: Int
  /// Values of symbolic dims other than the batch `N` (e.g. `T`).
  public let bindings: [String: Int]
  public let training: Bool
  public var buffers: [Buffer]
  public var forwardSteps: [Step]
  public var backwardSteps: [Step]
  /// The fusions applied (``FusionRules``), in the order of their producers.
  public var fusions: [Fusion]
  /// Floats in the activation arena.
  public var arenaSize: Int
  /// Slots by parameter id: trainable parameters first (a contiguous prefix the
  /// optimizer updates in one loop), then frozen ones, then buffers.
  public var parameterSlots: [ParameterSlot]
  /// Floats of trainable parameters (the prefix of the parameter arena).
  public var trainableCount: Int
  /// Floats in the parameter arena.
  public var parameterArenaSize: Int
  /// The buffer of each value.
  public var valueBuffers: [ValueID: BufferID]
  /// The gradient buffer of each value that needs one.
  public var gradientBuffers: [ValueID: BufferID]

  /// The slot of a parameter.
  public func slot(of parameter: ParameterID) -> ParameterSlot {
    parameterSlots.first { $0.parameter == parameter }!
  }
}
