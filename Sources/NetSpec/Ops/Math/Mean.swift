import NetSpecKernels

/// The mean over `axes` (PyTorch's `torch.mean(x, dim, keepdim)`).
public struct Mean: Operator {
  public static let schema = OpSchema(
    name: "mean", category: .math, summary: "Mean over axes (PyTorch's torch.mean with dim and keepdim).",
    attributes: reductionAttributes("average"), primary: "axes")

  public let axes: [Int]
  public let keepdims: Bool

  public init(_ attributes: Attributes) {
    axes = attributes.ints("axes")
    keepdims = attributes.bool("keepdims")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferReduction(inputs)
  }
}

extension Mean: Reduction {
  public static let examples = [
    OpExample(["axes": exampleAxes([1])], inputs: [.batch(3, 4)]),
    OpExample(["axes": exampleAxes([2, 3]), "keepdims": .bool(true)], inputs: [.batch(3, 2, 2)]),
    OpExample(["axes": exampleAxes([1, -1])], inputs: [.batch(2, 3, 4)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  public func forward(_ k: Kernel) {
    BroadcastKernels.sum(
      y: k.outputs[0], x: k.inputs[0], scale: scale(k.shapes), batch: k.batch, geometry: geometry(k.shapes),
      accumulate: false)
  }

  /// 1 / the number of elements each output element averages.
  func scale(_ shapes: OpShapes) -> Float { 1 / Float(reducedCount(shapes)) }

  /// Every input element gets its output element's gradient over the count.
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
        "geometry": geometryLiteral(s.shapes),
        "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "BroadcastKernels.expand",
      [
        "y": dx, "x": s.outputGradient(0), "scale": StepEmission.literal(scale(s.shapes)), "batch": "n",
        "geometry": geometryLiteral(s.shapes),
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Mean: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "torch.mean(\(layer.x), dim=\(torchDims(layer)), keepdim=\(keepdims ? "True" : "False"))"
  }
}

extension Mean: ONNXExportable {
  /// `ReduceMean` with its `axes` attribute (opset 17).
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportReduction(onnx, "ReduceMean", rank: onnx.inputTypes[0].rank)
  }
}
