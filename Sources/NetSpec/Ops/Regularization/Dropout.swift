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
  /// element in order, and applies it (``ElementwiseKernels``). Evaluation, or
  /// `rate` 0: a copy.
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    guard k.training, rate > 0 else { return CopyKernel.copy(k.inputs[0], k.outputs[0], count: count) }
    ElementwiseKernels.dropout(
      y: k.outputs[0], mask: k.saved[0], x: k.inputs[0], count: count, rate: Float(rate), seed: k.seed)
  }

  /// dx = dy * mask while training, dy otherwise.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let count = k.batch * k.shapes.inputCount(0)
    guard k.training, rate > 0 else {
      return CopyKernel.copy(k.outputGradients[0], dx, count: count, accumulate: k.accumulateInput[0])
    }
    ElementwiseKernels.multiply(
      y: dx, a: k.outputGradients[0], b: k.saved[0], count: count, accumulate: k.accumulateInput[0])
  }
}

extension Dropout: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let copy = "CopyKernel.copy(\(s.input(0)), \(s.output(0)), count: \(count))"
    guard rate > 0 else { return code.line(copy) }
    code.block("guard training else") { code in code.line("return \(copy)") }
    code.call(
      "ElementwiseKernels.dropout",
      [
        "y": s.output(0), "mask": s.saved(0), "x": s.input(0), "count": count, "rate": StepEmission.literal(rate),
        "seed": "SplitMix64.mix(seed, \(s.step.node), forwardPasses)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let accumulate = s.accumulatesInput(0)
    let copy = "CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(accumulate))"
    guard rate > 0 else { return code.line(copy) }
    code.block("guard training else") { code in code.line("return \(copy)") }
    code.call(
      "ElementwiseKernels.multiply",
      ["y": dx, "a": s.outputGradient(0), "b": s.saved(0), "count": count, "accumulate": "\(accumulate)"])
  }
}

extension Dropout: TorchExportable {
  /// PyTorch's masks are its own: the same rate, not the same elements.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.dropout(\(layer.x), \(TorchLayer.number(rate)), self.training)"
  }

  /// Not exact while training: the masks are drawn differently.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self) + "; not exact while training: PyTorch draws its own masks (the same rate)"
  }
}

extension Dropout: ONNXExportable {
  /// `Identity`: dropout does nothing at inference.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Identity", onnx.inputs, onnx.outputs)
  }
}
