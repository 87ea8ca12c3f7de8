import NetSpecKernels

/// The maximum over `axes` (PyTorch's `torch.amax(x, dim, keepdim)`, or
/// `torch.max(x, dim, keepdim).values` for one axis); the gradient goes to the
/// first maximal element in row-major order.
public struct Max: Operator {
  public static let schema = reductionSchema(
    "max", summary: "Maximum over axes (torch.amax with dim and keepdim); the gradient goes to the first maximum.",
    what: "take the maximum")

  public let axes: [Int]
  public let keepdims: Bool
}

extension Max: Reduction {
  public static let examples = [
    OpExample(["axes": .exampleInts([1])], inputs: [.batch(3, 4)]),
    OpExample(["axes": .exampleInts([2, 3]), "keepdims": .bool(true)], inputs: [.batch(2, 2, 3)]),
    OpExample(["axes": .exampleInts([-1, 1])], inputs: [.batch(2, 3, 4)]),
  ]

  /// The index of each output element's maximum in the input.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.outputCount(0)] }
  public var backwardReads: BackwardReads { .nothing }

  public func forward(_ k: Kernel) {
    ReductionKernels.maxForward(
      y: k.outputs[0], argmax: k.saved[0], x: k.inputs[0], batch: k.batch, geometry: geometry(k.shapes))
  }

  /// The output gradient goes to each maximum's element, 0 elsewhere.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    ReductionKernels.maxBackward(
      dx: dx, dy: k.outputGradients[0], argmax: k.saved[0], count: k.batch * k.shapes.inputCount(0),
      reducedCount: k.batch * k.shapes.outputCount(0), accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "ReductionKernels.maxForward",
      ["y": s.output(0), "argmax": s.saved(0), "x": s.input(0), "batch": "n", "geometry": geometryLiteral(s.shapes)])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "ReductionKernels.maxBackward",
      [
        "dx": dx, "dy": s.outputGradient(0), "argmax": s.saved(0), "count": StepEmission.rows(s.shapes.inputCount(0)),
        "reducedCount": StepEmission.rows(s.shapes.outputCount(0)), "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Max: TorchExportable {
  /// `torch.max(x, dim=a, keepdim=...).values` for one axis (the same
  /// gradient), `torch.amax` for several (which splits the gradient among
  /// tied maxima, where NetSpec gives it to the first).
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    axes.count == 1 ? torchReduction("torch.max", layer) + ".values" : torchReduction("torch.amax", layer)
  }
}

extension Max: ONNXExportable {
  /// `ReduceMax` with its `axes` attribute (opset 17).
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportReduction(onnx, "ReduceMax", rank: onnx.inputTypes[0].rank)
  }
}
