/// An op whose backward pass can start from its pre-activation gradient when
/// the consumer has already applied its ReLU mask: its kernels read
/// ``Kernel/outputGradientMasked``.
protocol ReLUMaskProducer: ExecutableOperator {
  /// Whether this application ends in a ReLU (so its mask is `output > 0`).
  var endsInReLU: Bool { get }
}

/// An op whose input-gradient GEMM can apply a ReLU mask in its epilogue:
/// its kernels read ``Kernel/inputGradientMask``.
protocol ReLUMaskConsumer: ExecutableOperator {}

extension Dense: ReLUMaskProducer {
  var endsInReLU: Bool { activation == .relu }
}

extension Dense: ReLUMaskConsumer {}

/// `relu-mask`: where a layer ending in a ReLU feeds only a layer whose
/// input-gradient GEMM can mask, that GEMM keeps its product only where the
/// producer's output is positive, so the producer gets its pre-activation
/// gradient directly instead of masking it in a pass of its own.
struct ReLUMaskRule: FusionRule {
  static let name = "relu-mask"
  /// The producer's ReLU output, whose sign is the mask.
  static let mask = "reluMask"

  let summary = "the consumer's input-gradient GEMM applies the producer's ReLU mask in its epilogue"
  let absorbsConsumer = false
  let backwardOnly = true

  func matches(producer: any Operator, consumer: any Operator) -> Bool {
    (producer as? any ReLUMaskProducer)?.endsInReLU == true && consumer is any ReLUMaskConsumer
  }

  func consumerBackward(_ fusion: Fusion, at step: Int, _ planner: inout some FusionPlanning)
    -> [ExecutionPlan.FusedArgument]
  {
    let output = planner.valueBuffer(planner.graph.nodes[fusion.producer].outputs[0])!
    planner.use(output, at: step)
    return [ExecutionPlan.FusedArgument(role: Self.mask, buffer: output)]
  }
}

extension ExecutionPlan.Step {
  /// Backward: multiply input 0's gradient by the ReLU mask of this buffer
  /// (the producer's ReLU output) as it is written, so the producer gets its
  /// pre-activation gradient directly (``ReLUMaskRule``).
  public var inputGradientMask: ExecutionPlan.BufferID? {
    ReLUMaskRule.part(of: self, side: .consumer)?.buffer(ReLUMaskRule.mask)
  }

  /// Backward: the output gradient already has this op's ReLU mask applied
  /// (by the consumer's input-gradient GEMM, ``ReLUMaskRule``).
  public var outputGradientMasked: Bool { ReLUMaskRule.part(of: self, side: .producer) != nil }
}
