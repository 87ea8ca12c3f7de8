import NetSpecKernels

/// Inverted dropout: while training, zeroes each element with probability `rate`
/// and scales the rest by 1 / (1 - rate); the identity at inference.
public struct Dropout: Operator {
  public static let schema = OpSchema(
    name: "dropout", category: .regularization,
    summary: "Zeroes elements with probability rate while training (scaling the rest).",
    attributes: [
      .default("rate", .float(0...1, exclusiveUpper: true), .float(0.5), "probability of zeroing an element")
    ],
    primary: "rate")

  public let rate: Double

  public init(_ attributes: Attributes) {
    rate = attributes.float("rate")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // Draw, compare and scale while training.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 2))
  }
}

extension Dropout: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]),
    OpExample(["rate": .float(0.2)], inputs: [.batch(2, 2, 3)]),
    OpExample(["rate": .float(0)], inputs: [.batch(4)]),
  ]

  /// The mask as multipliers, 0 (dropped) or 1 / (1 - rate) (kept); none when
  /// `rate` is 0.
  public func savedState(_ shapes: OpShapes) -> [Int] { rate > 0 ? [shapes.inputCount(0)] : [] }
  public var backwardReads: BackwardReads { .nothing }

  /// Training: draws the mask from `SplitMix64(seed: k.seed)`, one draw per
  /// element in order, and applies it. Evaluation, or `rate` 0: a copy.
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    let x = k.inputs[0]
    let y = k.outputs[0]
    guard k.training, rate > 0 else {
      CopyKernel.copy(x, y, count: count)
      return
    }
    let mask = k.saved[0]
    let dropProbability = Float(rate)
    let keepScale = Float(1 / (1 - rate))
    var random = SplitMix64(seed: k.seed)
    for i in 0..<count {
      mask[i] = random.nextFloat() < dropProbability ? 0 : keepScale
      y[i] = x[i] * mask[i]
    }
  }

  /// dx = dy * mask while training, dy otherwise.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let count = k.batch * k.shapes.inputCount(0)
    let dy = k.outputGradients[0]
    let accumulate = k.accumulateInput[0]
    guard k.training, rate > 0 else {
      CopyKernel.copy(dy, dx, count: count, accumulate: accumulate)
      return
    }
    let mask = k.saved[0]
    if accumulate {
      for i in 0..<count { dx[i] += dy[i] * mask[i] }
    } else {
      for i in 0..<count { dx[i] = dy[i] * mask[i] }
    }
  }
}

extension Dropout: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let (x, y) = (s.input(0), s.output(0))
    guard rate > 0 else {
      code.line("CopyKernel.copy(\(x), \(y), count: \(count))")
      return
    }
    code.block("guard training else") { code in
      code.line("CopyKernel.copy(\(x), \(y), count: \(count))")
      code.line("return")
    }
    code.line("let (x, y, mask) = (\(x), \(y), \(s.saved(0)))")
    code.line("var random = SplitMix64(seed: SplitMix64.mix(seed, \(s.step.node), forwardPasses))")
    code.block("for i in 0..<\(count)") { code in
      code.line(
        "mask[i] = random.nextFloat() < \(StepEmission.literal(rate)) ? 0 : \(StepEmission.literal(Float(1 / (1 - rate))))"
      )
      code.line("y[i] = x[i] * mask[i]")
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let accumulate = s.accumulatesInput(0)
    if rate > 0 {
      code.block("guard training else") { code in
        code.line("CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(accumulate))")
        code.line("return")
      }
      code.line("let (dy, dx, mask) = (\(s.outputGradient(0)), \(dx), \(s.saved(0)))")
      code.line("for i in 0..<\(count) { dx[i] \(accumulate ? "+=" : "=") dy[i] * mask[i] }")
    } else {
      code.line("CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(accumulate))")
    }
  }
}
