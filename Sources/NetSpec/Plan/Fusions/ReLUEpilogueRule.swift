/// An op that can apply a ReLU as it stores its output and take its gradient
/// through that ReLU in its own backward pass, the mask recomputed from what
/// that pass reads anyway: its kernels read ``Kernel/fusedReLU`` and
/// ``Kernel/fusedReLUGradient``.
protocol ReLUEpilogueHost: ExecutableOperator {}

extension BatchNorm: ReLUEpilogueHost {}

/// `relu-epilogue`: an op whose output only a ReLU reads (ResNet's
/// `batchnorm -> relu`) stores the ReLU's output in its own output buffer and,
/// backward, starts from the ReLU's output gradient, masked where its output
/// was not positive. The ReLU gets no steps, and the producer's output no
/// gradient buffer: a forward pass saves a read and a write of the tensor, a
/// backward pass a read of the output and of its gradient and a write.
struct ReLUEpilogueRule: FusionRule {
  static let name = "relu-epilogue"
  /// Backward: the ReLU output's gradient, which replaces the producer's output gradient.
  static let activatedGradient = "dActivated"

  var name: String { Self.name }
  let summary = "the ReLU runs in the producer's output store, and its mask in the producer's backward pass"
  let absorbsConsumer = true
  let backwardOnly = false

  func matches(producer: any Operator, consumer: any Operator) -> Bool {
    producer is any ReLUEpilogueHost && (consumer as? any ElementwiseActivation)?.kernel == .relu
  }

  func producerForward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning) throws(PlanningError)
    -> [ExecutionPlan.FusedArgument]
  {
    let graph = planner.graph
    planner.alias(
      graph.nodes[fusion.consumer].outputs[0], to: planner.valueBuffer(graph.nodes[fusion.producer].outputs[0])!)
    return []
  }

  func producerBackward(
    _ fusion: Fusion, forward: [ExecutionPlan.FusedArgument], at step: Int, _ planner: inout some FusionPlanning
  ) -> [ExecutionPlan.FusedArgument] {
    let gradient = planner.gradientBuffer(planner.graph.nodes[fusion.consumer].outputs[0])!
    planner.use(gradient, at: step)
    return [ExecutionPlan.FusedArgument(role: Self.activatedGradient, buffer: gradient)]
  }
}

extension ExecutionPlan.Step {
  /// Whether this step also runs the ReLU that reads its output
  /// (``ReLUEpilogueRule``): forward, the output it stores is the ReLU's.
  public var fusedReLU: Bool { fusion(ReLUEpilogueRule.name, side: .producer) != nil }

  /// Backward: the fused ReLU's output gradient, which replaces this step's
  /// output gradient (``ReLUEpilogueRule``).
  public var fusedReLUGradient: ExecutionPlan.BufferID? {
    fusion(ReLUEpilogueRule.name, side: .producer)?.buffer(ReLUEpilogueRule.activatedGradient)
  }
}
