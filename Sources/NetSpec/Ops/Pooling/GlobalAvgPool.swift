import NetSpecKernels

/// Global average pooling: the mean of each channel over all positions,
/// `[N, C, H, W]` -> `[N, C]` (PyTorch's `AdaptiveAvgPool2d(1)` plus `flatten`).
public struct GlobalAvgPool: Operator {
  public static let schema = OpSchema(
    name: "global_avgpool", category: .pooling,
    summary: "Mean over all positions of each channel: [N, C, H, W] -> [N, C].")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    return Inference(
      outputs: [TensorType([x.shape[0], x.shape[1]])], flops: ShapeRules.flops(x, perElement: 1))
  }
}

extension GlobalAvgPool: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4, 5)]),
    OpExample(inputs: [.batch(2, 1, 1)]),
  ]

  /// The backward pass needs only the plane size.
  public var backwardReads: BackwardReads { .nothing }

  /// The mean of each `H x W` plane (``AveragePoolingKernels``).
  public func forward(_ k: Kernel) {
    AveragePoolingKernels.globalForward(
      y: k.outputs[0], x: k.inputs[0], planes: k.batch * k.shapes.inputs[0][0],
      planeSize: k.shapes.inputs[0][1] * k.shapes.inputs[0][2], pool: k.pool)
  }

  /// `dy / (H * W)` broadcast over each plane.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    AveragePoolingKernels.globalBackward(
      dx: dx, dy: k.outputGradients[0], planes: k.batch * k.shapes.inputs[0][0],
      planeSize: k.shapes.inputs[0][1] * k.shapes.inputs[0][2], accumulate: k.accumulateInput[0], pool: k.pool)
  }
}

extension GlobalAvgPool: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "AveragePoolingKernels.globalForward",
      [
        "y": s.output(0), "x": s.input(0), "planes": StepEmission.rows(s.shapes.inputs[0][0]),
        "planeSize": "\(s.shapes.inputs[0][1] * s.shapes.inputs[0][2])", "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "AveragePoolingKernels.globalBackward",
      [
        "dx": dx, "dy": s.outputGradient(0), "planes": StepEmission.rows(s.shapes.inputs[0][0]),
        "planeSize": "\(s.shapes.inputs[0][1] * s.shapes.inputs[0][2])", "accumulate": "\(s.accumulatesInput(0))",
        "pool": "pool",
      ])
  }
}

extension GlobalAvgPool: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "\(layer.x).mean((2, 3))" }
}

extension GlobalAvgPool: ONNXExportable {
  /// `GlobalAveragePool` to `[N, C, 1, 1]`, then `Flatten` to `[N, C]`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let pooled = onnx.temporary("pooled")
    onnx.add("GlobalAveragePool", onnx.inputs, [pooled])
    onnx.add("Flatten", [pooled], onnx.outputs, [.int("axis", 1)])
  }
}
