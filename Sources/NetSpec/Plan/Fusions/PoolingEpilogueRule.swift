/// An op that can run a ``PlanePooling`` plane by plane in its output pass:
/// its kernels read ``Kernel/fusedPooling`` (forward: pool each output plane
/// as soon as it is written; backward: take the output-plane gradient from
/// the pooled gradient).
protocol PlanePoolingHost: ExecutableOperator {}

extension Conv2D: PlanePoolingHost {}

/// `pooling-epilogue`: a convolution whose output feeds only a max or average
/// pooling runs that pooling in its output pass, while each plane is in cache,
/// and computes its pre-activation gradient straight from the pooled gradient.
/// The pooling node gets no steps, and the convolution's output no gradient
/// buffer.
struct PoolingEpilogueRule: FusionRule {
  static let name = "pooling-epilogue"
  /// The pooled output.
  static let pooled = "pooled"
  /// The pooling's saved state (max pooling's argmax), if it has one.
  static let pooledSaved = "pooledSaved"
  /// Backward: the pooled output's gradient.
  static let pooledGradient = "dPooled"

  let summary = "the pooling runs plane by plane in the convolution's output pass and routes its gradient back there"
  let absorbsConsumer = true
  let backwardOnly = false

  func matches(producer: any Operator, consumer: any Operator) -> Bool {
    producer is any PlanePoolingHost && consumer is any PlanePooling
  }

  func producerForward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning) throws(PlanningError)
    -> [ExecutionPlan.FusedArgument]
  {
    let output = try planner.outputBuffers(fusion.consumer, index: step)[0]
    let saved = try planner.savedBuffers(fusion.consumer, index: step).first
    return [ExecutionPlan.FusedArgument(role: Self.pooled, buffer: output)]
      + (saved.map { [ExecutionPlan.FusedArgument(role: Self.pooledSaved, buffer: $0)] } ?? [])
  }

  func producerBackward(
    _ fusion: Fusion, forward: [ExecutionPlan.FusedArgument], at step: Int, _ planner: inout some FusionPlanning
  ) -> [ExecutionPlan.FusedArgument] {
    let gradient = planner.gradientBuffer(planner.graph.nodes[fusion.consumer].outputs[0])!
    planner.use(gradient, at: step)
    for argument in forward where argument.role == Self.pooledSaved { planner.use(argument.buffer, at: step) }
    return forward + [ExecutionPlan.FusedArgument(role: Self.pooledGradient, buffer: gradient)]
  }
}

extension ExecutionPlan {
  /// A pooling node fused into the convolution that feeds it (the
  /// `pooling-epilogue` rule, ``PoolingEpilogueRule``), as the convolution's
  /// kernels see it.
  public struct FusedPooling: Sendable {
    public var node: NodeID
    public var shapes: OpShapes
    /// The pooled output.
    public var output: BufferID
    /// The pooling's saved state (max pooling's argmax), if it has any.
    public var saved: BufferID?
    /// Backward: the pooled output's gradient, which replaces the
    /// convolution's output gradient.
    public var outputGradient: BufferID?
  }
}

extension ExecutionPlan.Step {
  /// The pooling this convolution runs in its output pass, if the plan fuses
  /// one (``PoolingEpilogueRule``).
  public var fusedPooling: ExecutionPlan.FusedPooling? {
    PoolingEpilogueRule.part(of: self, side: .producer).map { fused in
      ExecutionPlan.FusedPooling(
        node: fused.partner, shapes: fused.partnerShapes, output: fused.buffer(PoolingEpilogueRule.pooled)!,
        saved: fused.buffer(PoolingEpilogueRule.pooledSaved),
        outputGradient: fused.buffer(PoolingEpilogueRule.pooledGradient))
    }
  }
}
