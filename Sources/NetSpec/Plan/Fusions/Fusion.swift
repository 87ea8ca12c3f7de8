/// A fusion the planner applied: a ``FusionRule`` matched `producer` and
/// `consumer`, the only reader of the producer's output.
public struct Fusion: Sendable, Hashable {
  /// The rule's name (``FusionRule/name``), e.g. `pooling-epilogue`.
  public var rule: String
  /// The node whose output is fused.
  public var producer: NodeID
  /// The only reader of the producer's output.
  public var consumer: NodeID
  /// The consumer runs inside the producer's steps and has none of its own.
  public var absorbsConsumer: Bool
  /// Further nodes the producer's step runs after the consumer, each the only
  /// reader of the one before (an activation after a folded batchnorm); they
  /// are absorbed, or skipped, as the consumer is.
  public var chain: [NodeID] = []
  /// The fusion applies to inference passes only
  /// (``FusionRule/inferenceOnly``); in a training plan the consumer and the
  /// chain keep their steps, which such passes skip.
  public var inferenceOnly = false

  /// The consumer and the chain after it, in order.
  public var fusedNodes: [NodeID] { [consumer] + chain }
}

extension ExecutionPlan {
  /// What one fusion adds to one step: the buffers its kernel reads or writes
  /// for the fusion, by role. A step of a fusion that adds no buffer still
  /// carries it (its presence is what the kernel tests).
  public struct StepFusion: Sendable {
    /// Which side of the fusion the step's node is on.
    public enum Side: String, Sendable { case producer, consumer }

    /// The rule's name (``FusionRule/name``).
    public var rule: String
    public var side: Side
    /// The node on the other side.
    public var partner: NodeID
    /// The partner's shapes (those of an absorbed consumer, which the step runs).
    public var partnerShapes: OpShapes
    /// The fusion's further nodes after the consumer (``Fusion/chain``).
    public var chain: [NodeID] = []
    /// Buffers by role, in the order the rule adds them.
    public var arguments: [FusedArgument]

    /// The buffer of `role`, if the fusion gives the step one.
    public func buffer(_ role: String) -> BufferID? {
      arguments.first { $0.role == role }?.buffer
    }
  }

  /// A buffer a fusion hands to a step's kernel, named for its role (`pooled`).
  public struct FusedArgument: Sendable, Hashable {
    /// What the buffer is to the kernel; also its argument's name in emitted code.
    public var role: String
    public var buffer: BufferID
  }
}

extension ExecutionPlan.Step {
  /// This step's part in the fusion of rule `rule`, on `side`, if any.
  public func fusion(_ rule: String, side: ExecutionPlan.StepFusion.Side) -> ExecutionPlan.StepFusion? {
    fusions.first { $0.rule == rule && $0.side == side }
  }
}
