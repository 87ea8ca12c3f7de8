import NetSpecKernels

/// A reduction that is a scaled sum (`sum`, `mean`): the forward pass sums each
/// output element's inputs times ``scale(_:)``, and the backward pass spreads each
/// output gradient back over its inputs times the same scale. Its kernels and
/// emitted code come from the scale alone.
protocol LinearReduction: Reduction {
  /// What multiplies each summed element: 1 for `sum`, 1 / count for `mean`.
  func scale(_ shapes: OpShapes) -> Float
}

extension LinearReduction {
  /// Examples for the gradient checks: one axis, two axes kept, a negative axis.
  static var scaledSumExamples: [OpExample] {
    [
      OpExample(["axes": .exampleInts([1])], inputs: [.batch(3, 4)]),
      OpExample(["axes": .exampleInts([2, 3]), "keepdims": .bool(true)], inputs: [.batch(3, 2, 2)]),
      OpExample(["axes": .exampleInts([1, -1])], inputs: [.batch(2, 3, 4)]),
    ]
  }

  public var backwardReads: BackwardReads { .nothing }

  public func forward(_ k: Kernel) {
    BroadcastKernels.sum(
      y: k.outputs[0], x: k.inputs[0], scale: scale(k.shapes), batch: k.batch, geometry: geometry(k.shapes),
      accumulate: false)
  }

  /// Every input element gets its output element's gradient times the scale.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    BroadcastKernels.expand(
      y: dx, x: k.outputGradients[0], scale: scale(k.shapes), batch: k.batch, geometry: geometry(k.shapes),
      accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "BroadcastKernels.sum",
      [
        "y": s.output(0), "x": s.input(0), "scale": StepEmission.literal(scale(s.shapes)), "batch": "n",
        "geometry": geometryLiteral(s.shapes), "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "BroadcastKernels.expand",
      [
        "y": dx, "x": s.outputGradient(0), "scale": StepEmission.literal(scale(s.shapes)), "batch": "n",
        "geometry": geometryLiteral(s.shapes), "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}
