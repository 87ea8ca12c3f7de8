import NetSpecKernels

/// An op whose output channel `f` is `weight[f] · x + bias[f]` (parameter 0
/// holds `filters` rows of weights, parameter 1 the bias if any), so a
/// batchnorm in evaluation mode after it folds into those weights: its
/// forward pass reads ``Kernel/foldedNormalization``.
protocol NormalizationFoldHost: ExecutableOperator {
  /// Whether this application is linear up to its output (no activation of its own).
  var isLinear: Bool { get }
}

/// A per-channel affine normalization in evaluation mode: `(x - runningMean)
/// * weight / sqrt(runningVariance + eps) + bias`, with parameters `weight`,
/// `bias` and buffers `running_mean`, `running_var` in that order.
protocol FoldableNormalization: ExecutableOperator {
  var eps: Double { get }
}

extension Conv2D: NormalizationFoldHost {
  var isLinear: Bool { activation == nil }
}

extension BatchNorm: FoldableNormalization {}

/// `batchnorm-fold`: in an inference pass (no backward pass after it), a batchnorm
/// reading only a convolution's output (and an element-wise activation
/// reading only the batchnorm's) runs inside the convolution: the step folds
/// the batchnorm's current weights and running statistics into a scratch copy
/// of the convolution's weights and bias (``BatchNormKernels/fold(foldedWeight:foldedBias:weight:bias:normWeight:normBias:runningMean:runningVariance:filters:perFilter:epsilon:)``),
/// then convolves with them, the activation fused into the store. An
/// inference plan gives the batchnorm and the activation no steps and their
/// result the convolution's output buffer; a training plan keeps their steps
/// for `forward(batch:training:)`, which a backward pass may follow, and
/// skips them in inference passes (``Interpreter/infer(batch:)``), where the
/// convolution writes the last fused node's output
/// (``ExecutionPlan/FoldedNormalization/output``).
struct BatchNormFoldRule: FusionRule {
  static let name = "batchnorm-fold"
  /// The folded weights, a scratch copy of the convolution's.
  static let foldedWeight = "foldedWeight"
  /// The folded bias, one per filter.
  static let foldedBias = "foldedBias"
  /// Training plans: where an inference pass writes (the last fused node's output).
  static let foldedOutput = "foldedOutput"

  let summary =
    "the batchnorm's running statistics fold into the convolution's weights per call; a following activation fuses into its store"
  let absorbsConsumer = true
  let backwardOnly = false
  let inferenceOnly = true

  func matches(producer: any Operator, consumer: any Operator) -> Bool {
    (producer as? any NormalizationFoldHost)?.isLinear == true && consumer is any FoldableNormalization
  }

  /// An element-wise activation that reads only the normalization's output.
  func chain(after consumer: NodeID, in graph: Graph) -> [NodeID] {
    guard let next = graph.soleConsumer(of: graph.nodes[consumer].outputs[0]),
      graph.nodes[next].op is any ElementwiseActivation
    else { return [] }
    return [next]
  }

  func producerForward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning) throws(PlanningError)
    -> [ExecutionPlan.FusedArgument]
  {
    let graph = planner.graph
    let host = graph.nodes[fusion.producer]
    let weight = planner.scratchBuffer(
      "\(host.name) folded weight", count: graph.parameters[host.parameters[0].id].count, index: step)
    let filters = graph.parameters[graph.nodes[fusion.consumer].parameters[0].id].count
    let bias = planner.scratchBuffer("\(host.name) folded bias", count: filters, index: step)
    let arguments = [
      ExecutionPlan.FusedArgument(role: Self.foldedWeight, buffer: weight),
      ExecutionPlan.FusedArgument(role: Self.foldedBias, buffer: bias),
    ]
    let last = fusion.fusedNodes.last!
    guard fusion.absorbsConsumer else {
      let output = try planner.outputBuffers(last, index: step)[0]
      return arguments + [ExecutionPlan.FusedArgument(role: Self.foldedOutput, buffer: output)]
    }
    planner.alias(graph.nodes[last].outputs[0], to: planner.valueBuffer(host.outputs[0])!)
    return arguments
  }
}

extension ExecutionPlan {
  /// A batchnorm (and an activation after it) folded into the convolution
  /// that feeds it (the `batchnorm-fold` rule, ``BatchNormFoldRule``), as the
  /// convolution's kernels see it.
  public struct FoldedNormalization: Sendable {
    /// The batchnorm, whose parameters and running statistics are folded.
    public var normalization: NodeID
    /// The element-wise activation after it, if the fusion takes one in.
    public var activation: NodeID?
    /// Scratch for the folded weights and bias.
    public var weight: BufferID
    public var bias: BufferID
    /// Training plans: where an inference pass writes the fused result; nil
    /// in an inference plan, where the step's own output holds it.
    public var output: BufferID?
  }
}

extension ExecutionPlan.Step {
  /// The batchnorm this convolution folds into its weights, if the plan fuses one.
  public var foldedNormalization: ExecutionPlan.FoldedNormalization? {
    BatchNormFoldRule.part(of: self, side: .producer).map { fused in
      ExecutionPlan.FoldedNormalization(
        normalization: fused.partner, activation: fused.chain.first,
        weight: fused.buffer(BatchNormFoldRule.foldedWeight)!, bias: fused.buffer(BatchNormFoldRule.foldedBias)!,
        output: fused.buffer(BatchNormFoldRule.foldedOutput))
    }
  }

  /// A forward step of a training plan that an inference pass
  /// (``Interpreter/infer(batch:)``) skips: an inference-only fusion
  /// (``FusionRule/inferenceOnly``) runs it inside its producer's step then.
  public var skippedInInference: Bool {
    fusions.contains { $0.side == .consumer && FusionRules.rule(named: $0.rule)?.inferenceOnly == true }
  }
}

/// The buffers of a folded batchnorm (``ExecutionPlan/FoldedNormalization``)
/// and its fold, for the convolution's forward pass.
struct FoldedNormalizationKernel: @unchecked Sendable {
  var normWeight: UnsafePointer<Float>
  var normBias: UnsafePointer<Float>
  var runningMean: UnsafePointer<Float>
  var runningVariance: UnsafePointer<Float>
  var epsilon: Float
  /// The activation fused into the convolution's store.
  var activation: ActivationKernel?
  var weight: UnsafeMutablePointer<Float>
  var bias: UnsafeMutablePointer<Float>
  /// Training plans: the fused result's buffer; nil for the step's own output.
  var output: UnsafeMutablePointer<Float>?

  /// Folds the current statistics into ``weight`` and ``bias`` from the
  /// host's `filters` rows of `perFilter` weights and its bias (nil: zero).
  func fold(weight hostWeight: UnsafePointer<Float>, bias hostBias: UnsafePointer<Float>?, filters: Int, perFilter: Int)
  {
    BatchNormKernels.fold(
      foldedWeight: weight, foldedBias: bias, weight: hostWeight, bias: hostBias, normWeight: normWeight,
      normBias: normBias, runningMean: runningMean, runningVariance: runningVariance, filters: filters,
      perFilter: perFilter, epsilon: epsilon)
  }
}
