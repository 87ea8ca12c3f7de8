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
}

extension Dropout: TrainingMask {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]),
    OpExample(["rate": .float(0.2)], inputs: [.batch(2, 2, 3)]),
    OpExample(["rate": .float(0)], inputs: [.batch(4)]),
  ]

  /// Draw, compare and scale.
  static var flopsPerElement: Int { 2 }

  /// The mask as multipliers, 0 (dropped) or 1 / (1 - rate) (kept); none when
  /// `rate` is 0.
  public func savedState(_ shapes: OpShapes) -> [Int] { rate > 0 ? [shapes.inputCount(0)] : [] }

  /// Draws the mask from `SplitMix64(seed: k.seed)`, one draw per element in
  /// order, and applies it (``ElementwiseKernels``).
  func forwardMasked(_ k: Kernel) {
    ElementwiseKernels.dropout(
      y: k.outputs[0], mask: k.saved[0], x: k.inputs[0], count: k.batch * k.shapes.inputCount(0),
      rate: Float(rate), seed: k.seed)
  }

  /// dx = dy * mask.
  func backwardMasked(_ k: Kernel, dx: UnsafeMutablePointer<Float>) {
    ElementwiseKernels.multiply(
      y: dx, a: k.outputGradients[0], b: k.saved[0], count: k.batch * k.shapes.inputCount(0),
      accumulate: k.accumulateInput[0])
  }

  func emitForwardMasked(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "ElementwiseKernels.dropout",
      [
        "y": s.output(0), "mask": s.saved(0), "x": s.input(0), "count": StepEmission.rows(s.shapes.inputCount(0)),
        "rate": StepEmission.literal(rate), "seed": emittedSeed(s),
      ])
  }

  func emitBackwardMasked(_ s: StepEmission, dx: String, _ code: inout SwiftWriter) {
    code.call(
      "ElementwiseKernels.multiply",
      [
        "y": dx, "a": s.outputGradient(0), "b": s.saved(0), "count": StepEmission.rows(s.shapes.inputCount(0)),
        "accumulate": "\(s.accumulatesInput(0))",
      ])
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

extension Dropout: ONNXExportable {}
