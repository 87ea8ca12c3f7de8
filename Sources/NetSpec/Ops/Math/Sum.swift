import NetSpecKernels

/// The sum over `axes` (PyTorch's `torch.sum(x, dim, keepdim)`).
public struct Sum: Operator {
  public static let schema = OpSchema(
    name: "sum", category: .math, summary: "Sum over axes (PyTorch's torch.sum with dim and keepdim).",
    attributes: reductionAttributes("sum"), primary: "axes")

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

extension Sum: Reduction {
  public static let examples = [
    OpExample(["axes": exampleAxes([1])], inputs: [.batch(3, 4)]),
    OpExample(["axes": exampleAxes([2, 3]), "keepdims": .bool(true)], inputs: [.batch(3, 2, 2)]),
    OpExample(["axes": exampleAxes([1, -1])], inputs: [.batch(2, 3, 4)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  public func forward(_ k: Kernel) {
    BroadcastKernels.sum(
      y: k.outputs[0], x: k.inputs[0], scale: 1, batch: k.batch, geometry: geometry(k.shapes), accumulate: false)
  }

  /// Every input element gets its output element's gradient.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    BroadcastKernels.expand(
      y: dx, x: k.outputGradients[0], scale: 1, batch: k.batch, geometry: geometry(k.shapes),
      accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "BroadcastKernels.sum",
      [
        "y": s.output(0), "x": s.input(0), "scale": "1", "batch": "n", "geometry": geometryLiteral(s.shapes),
        "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "BroadcastKernels.expand",
      [
        "y": dx, "x": s.outputGradient(0), "scale": "1", "batch": "n", "geometry": geometryLiteral(s.shapes),
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Sum: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "torch.sum(\(layer.x), dim=\(torchDims(layer)), keepdim=\(keepdims ? "True" : "False"))"
  }
}

extension Sum: ONNXExportable {
  /// `ReduceSum`, whose axes are an input since opset 13.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let axes = onnx.int64s("axes", resolvedAxes(rank: onnx.inputTypes[0].rank))
    onnx.add("ReduceSum", [onnx.inputs[0], axes], onnx.outputs, [.int("keepdims", keepdims ? 1 : 0)])
  }
}
