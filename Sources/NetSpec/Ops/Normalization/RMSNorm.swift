import NetSpecKernels

/// Root-mean-square normalization over the last axis (PyTorch's `RMSNorm(D)`,
/// LLaMA's norm): `y = x / sqrt(mean(x^2) + eps) * weight`, with a learned
/// per-feature weight and no bias or mean subtraction. Without `eps`, the
/// float32 machine epsilon, as PyTorch's `eps=None` on float32 inputs
/// (LLaMA uses 1e-5 or 1e-6).
public struct RMSNorm: Operator {
  public static let schema = OpSchema(
    name: "rms_norm", category: .normalization,
    summary: "Root-mean-square normalization over the last axis, with a learned scale.",
    attributes: [
      .optional(
        "eps", .float(1e-12...1),
        "added to the mean square before the square root (default: float32 epsilon, 1.19e-7, as PyTorch's None)")
    ])

  public let eps: Double?

  public init(_ attributes: Attributes) {
    eps = attributes.has("eps") ? attributes.float("eps") : nil
  }

  /// The epsilon the kernel adds: `eps`, or float32's machine epsilon.
  var epsilon: Float { eps.map(Float.init) ?? Float.ulpOfOne }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    return Inference(
      outputs: [x], parameters: [ParameterSpec("weight", [features], .ones)],
      // square and sum, normalize, scale.
      flops: ShapeRules.flops(x, perElement: 4))
  }
}

extension RMSNorm: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(5)]),
    OpExample(["eps": .float(1e-2)], inputs: [.batch(3, 4)]),
    OpExample(["eps": .float(1e-6)], inputs: [.batch(2, 2, 3)]),
  ]

  /// The inverse root mean square of each row.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.inputCount(0) / shapes.inputs[0].last!] }

  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per row: `r = 1 / sqrt(mean(x^2) + eps)`, `y = x * r * weight` (``RMSNormKernels``).
  public func forward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    RMSNormKernels.forward(
      y: k.outputs[0], inverseRMS: k.saved[0], x: k.inputs[0], weight: k.parameters[0],
      rows: k.batch * k.shapes.inputCount(0) / features, features: features, epsilon: epsilon, pool: k.pool)
  }

  /// `dx = r * g - x * r^3 * mean(g * x)` with `g = dy * weight`; `dweight = sum(dy * x * r)`.
  public func backward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    RMSNormKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], x: k.inputs[0], dy: k.outputGradients[0],
      inverseRMS: k.saved[0], weight: k.parameters[0], rows: k.batch * k.shapes.inputCount(0) / features,
      features: features, accumulateInput: k.accumulateInput[0], accumulateWeight: k.accumulateParameter[0],
      pool: k.pool)
  }
}

extension RMSNorm: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    code.call(
      "RMSNormKernels.forward",
      [
        "y": s.output(0), "inverseRMS": s.saved(0), "x": s.input(0), "weight": s.parameter(0),
        "rows": StepEmission.rows(s.shapes.inputCount(0) / features), "features": "\(features)",
        "epsilon": StepEmission.literal(epsilon), "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    let (dx, dWeight) = (s.inputGradient(0), s.parameterGradient(0))
    guard dx != nil || dWeight != nil else { return }
    code.call(
      "RMSNormKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "x": s.input(0), "dy": s.outputGradient(0),
        "inverseRMS": s.saved(0), "weight": s.parameter(0),
        "rows": StepEmission.rows(s.shapes.inputCount(0) / features), "features": "\(features)",
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "pool": "pool",
      ])
  }
}

extension RMSNorm: TorchExportable {
  /// `nn.RMSNorm` (PyTorch 2.4 or later), `eps=None` when the spec gives none.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    "nn.RMSNorm(\(layer.size(axis: -1)), eps=\(eps.map(TorchLayer.number) ?? "None"))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "\(layer.module)(\(layer.x))" }
}

extension RMSNorm: ONNXExportable {
  /// ONNX 17 has no `RMSNormalization`: `x / sqrt(ReduceMean(x * x) + eps) * weight`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let x = onnx.inputs[0]
    let (square, meanSquare, shifted, rms, normalized) = (
      onnx.temporary("square"), onnx.temporary("mean_square"), onnx.temporary("shifted"), onnx.temporary("rms"),
      onnx.temporary("normalized")
    )
    onnx.add("Mul", [x, x], [square])
    onnx.add("ReduceMean", [square], [meanSquare], [.ints("axes", [-1]), .int("keepdims", 1)])
    onnx.add("Add", [meanSquare, onnx.scalar("eps", epsilon)], [shifted])
    onnx.add("Sqrt", [shifted], [rms])
    onnx.add("Div", [x, rms], [normalized])
    onnx.add("Mul", [normalized, onnx.parameter("weight")], onnx.outputs)
  }
}
