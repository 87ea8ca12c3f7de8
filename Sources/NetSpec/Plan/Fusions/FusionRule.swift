/// A fusion of an op into the only reader of its output, declared once: the
/// op traits it matches (protocols the ops conform to), and the buffers it
/// adds to the steps of the two nodes. The planner applies every rule of
/// ``FusionRules/all`` and records each match in ``ExecutionPlan/fusions``
/// and in the steps' ``ExecutionPlan/Step/fusions``, which the interpreter and
/// the emitter hand to the ops' kernels.
///
/// To add a fusion: a type conforming to this protocol (with the trait
/// protocols it keys on) in `Plan/Fusions/`, its entry in ``FusionRules/all``,
/// and the kernel code in the op that reads the step's fusion. See
/// docs/ARCHITECTURE.md.
protocol FusionRule: Sendable {
  /// A short, stable name (`pooling-epilogue`), printed by `netspec plan`.
  static var name: String { get }
  /// What the fusion does, in one sentence.
  var summary: String { get }
  /// The consumer runs inside the producer's steps and has none of its own;
  /// the producer's output then has no gradient buffer.
  var absorbsConsumer: Bool { get }
  /// Whether the fusion changes only the backward pass; it then applies only
  /// where both nodes have backward steps.
  var backwardOnly: Bool { get }
  /// Whether the fusion changes only inference passes, forward passes
  /// that do not train and after which no backward pass runs: in an
  /// inference plan it absorbs as declared; in a training plan the
  /// producer's forward step takes it only in an inference pass
  /// (``Interpreter/infer(batch:)``), and the fused nodes' forward steps skip
  /// such a pass.
  var inferenceOnly: Bool { get }
  /// Whether `producer` feeding only `consumer` can be fused, by the ops' traits.
  func matches(producer: any Operator, consumer: any Operator) -> Bool
  /// Further nodes after `consumer` that the fusion takes in too (``Fusion/chain``).
  func chain(after consumer: NodeID, in graph: Graph) -> [NodeID]
  /// The buffers the fusion adds to the producer's forward step.
  func producerForward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning) throws(PlanningError)
    -> [ExecutionPlan.FusedArgument]
  /// The buffers the fusion adds to the producer's backward step, given those
  /// of its forward step.
  func producerBackward(
    _ fusion: Fusion, forward: [ExecutionPlan.FusedArgument], at step: Int, _ planner: inout some FusionPlanning
  ) -> [ExecutionPlan.FusedArgument]
  /// The buffers the fusion adds to the consumer's backward step (a consumer
  /// that is not absorbed).
  func consumerBackward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning)
    -> [ExecutionPlan.FusedArgument]
}

extension FusionRule {
  /// The rule's ``name``.
  var name: String { Self.name }

  /// `step`'s part, on `side`, in a fusion of this rule, if the planner
  /// applied one there: the partner and the buffers the rule handed the
  /// step, by role. The accessors that hand a fusion to the kernels
  /// (``ExecutionPlan/Step/fusedPooling``) start from it.
  static func part(of step: ExecutionPlan.Step, side: ExecutionPlan.StepFusion.Side) -> ExecutionPlan.StepFusion? {
    step.fusion(name, side: side)
  }

  var inferenceOnly: Bool { false }
  func chain(after consumer: NodeID, in graph: Graph) -> [NodeID] { [] }
  func producerForward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning) throws(PlanningError)
    -> [ExecutionPlan.FusedArgument]
  { [] }
  func producerBackward(
    _ fusion: Fusion, forward: [ExecutionPlan.FusedArgument], at step: Int, _ planner: inout some FusionPlanning
  ) -> [ExecutionPlan.FusedArgument] { [] }
  func consumerBackward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning)
    -> [ExecutionPlan.FusedArgument]
  { [] }
}

/// What a ``FusionRule`` may ask of the planner while it builds a step.
protocol FusionPlanning {
  var graph: Graph { get }
  /// The buffer of a value planned so far.
  func valueBuffer(_ value: ValueID) -> ExecutionPlan.BufferID?
  /// The gradient buffer of a value planned so far.
  func gradientBuffer(_ value: ValueID) -> ExecutionPlan.BufferID?
  /// New buffers for a node's outputs, first used at `step`.
  mutating func outputBuffers(_ node: NodeID, index step: Int) throws(PlanningError) -> [ExecutionPlan.BufferID]
  /// New buffers for the state a node's forward pass saves, first used at `step`.
  mutating func savedBuffers(_ node: NodeID, index step: Int) throws(PlanningError) -> [ExecutionPlan.BufferID]
  /// A new buffer of `count` floats, not per sample, used at `step` only.
  mutating func scratchBuffer(_ name: String, count: Int, index step: Int) -> ExecutionPlan.BufferID
  /// Makes `value` live in `buffer` (written in place by a fused step).
  mutating func alias(_ value: ValueID, to buffer: ExecutionPlan.BufferID)
  /// Keeps `buffer` alive until `step`.
  mutating func use(_ buffer: ExecutionPlan.BufferID, at step: Int)
}

/// Every fusion the planner applies, in order: a node takes part in at most
/// one fusion as producer, the first rule that matches.
enum FusionRules {
  static let all: [any FusionRule] = [PoolingEpilogueRule(), ReLUMaskRule(), BatchNormFoldRule()]

  /// The rule named `name`.
  static func rule(named name: String) -> (any FusionRule)? { all.first { $0.name == name } }
}
