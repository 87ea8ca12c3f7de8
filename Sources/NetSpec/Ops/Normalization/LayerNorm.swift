import NetSpecKernels

/// Layer normalization over the last axis (PyTorch's `LayerNorm(D)`): each
/// `[..., D]` vector is normalized to zero mean and unit variance, then scaled
/// and shifted per feature.
public struct LayerNorm: Operator {
  public static let schema = OpSchema(
    name: "layernorm", category: .normalization,
    summary: "Layer normalization over the last axis, with a learned scale and shift.",
    attributes: [
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root")
    ])

  public let eps: Double

  public init(_ attributes: Attributes) {
    eps = attributes.float("eps")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    return Inference(
      outputs: [x],
      parameters: [
        ParameterSpec("weight", [features], .ones), ParameterSpec("bias", [features], .zeros),
      ],
      // mean, variance (subtract, square, sum), normalize, scale and shift.
      flops: ShapeRules.flops(x, perElement: 8))
  }
}

extension LayerNorm: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(5)]),
    OpExample(inputs: [.batch(3, 6)]),
    OpExample(["eps": .float(1e-2)], inputs: [.batch(2, 2, 4)]),
  ]

  /// The mean and the inverse standard deviation of each normalized row.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let rows = shapes.inputCount(0) / shapes.inputs[0].last!
    return [rows, rows]
  }

  /// The backward pass forms `g = dy * weight` here, one row at a time.
  public func workspace(_ shapes: OpShapes) -> Int { shapes.inputCount(0) }

  /// The backward pass recomputes the normalized input from the input.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per row (in parallel): mean, variance (two passes), then
  /// `y = (x - mean) / std * weight + bias` (``LayerNormKernels``).
  public func forward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    LayerNormKernels.forward(
      x: k.inputs[0], y: k.outputs[0], weight: k.parameters[0], bias: k.parameters[1], mean: k.saved[0],
      inverseStd: k.saved[1], rows: k.batch * k.shapes.inputCount(0) / features, features: features,
      epsilon: Float(eps), pool: k.pool)
  }

  /// With `g = dy * weight` and `xhat = (x - mean) / std` per row:
  /// `dx = (g - mean(g) - xhat * mean(g * xhat)) / std`; over the rows,
  /// `dweight = sum(dy * xhat)` and `dbias = sum(dy)` (``LayerNormKernels``).
  public func backward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    LayerNormKernels.backward(
      x: k.inputs[0], outputGradient: k.outputGradients[0], weight: k.parameters[0], mean: k.saved[0],
      inverseStd: k.saved[1], workspace: k.workspace!, inputGradient: k.inputGradients[0],
      accumulateInput: k.accumulateInput[0], weightGradient: k.parameterGradients[0],
      accumulateWeight: k.accumulateParameter[0], biasGradient: k.parameterGradients[1],
      accumulateBias: k.accumulateParameter[1], rows: k.batch * k.shapes.inputCount(0) / features,
      features: features, pool: k.pool)
  }
}

extension LayerNorm: EmittableOperator {
  /// One call to ``LayerNormKernels/forward(x:y:weight:bias:mean:inverseStd:rows:features:epsilon:pool:)``.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    code.line("LayerNormKernels.forward(")
    code.line("  x: \(s.input(0)), y: \(s.output(0)), weight: \(s.parameter(0)), bias: \(s.parameter(1)),")
    code.line(
      "  mean: \(s.saved(0)), inverseStd: \(s.saved(1)), rows: \(StepEmission.rows(s.shapes.inputCount(0) / features)), features: \(features),"
    )
    code.line("  epsilon: \(StepEmission.literal(eps)), pool: pool)")
  }

  /// One call to the backward kernel, with the plan's gradient buffers.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    let dx = s.inputGradient(0)
    let (dWeight, dBias) = (s.parameterGradient(0), s.parameterGradient(1))
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    code.line("LayerNormKernels.backward(")
    code.line(
      "  x: \(s.input(0)), outputGradient: \(s.outputGradient(0)), weight: \(s.parameter(0)), mean: \(s.saved(0)), inverseStd: \(s.saved(1)),"
    )
    code.line(
      "  workspace: \(s.workspace), inputGradient: \(dx ?? "nil"), accumulateInput: \(s.accumulatesInput(0)),")
    code.line("  weightGradient: \(dWeight ?? "nil"), accumulateWeight: \(s.accumulatesParameter(0)),")
    code.line("  biasGradient: \(dBias ?? "nil"), accumulateBias: \(s.accumulatesParameter(1)),")
    code.line("  rows: \(StepEmission.rows(s.shapes.inputCount(0) / features)), features: \(features), pool: pool)")
  }
}

extension LayerNorm: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    "nn.LayerNorm(\(layer.size(axis: -1)), eps=\(TorchLayer.number(eps)))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "\(layer.module)(\(layer.x))" }
}

extension LayerNorm: ONNXExportable {
  /// `LayerNormalization` (opset 17) over the last axis.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add(
      "LayerNormalization", [onnx.inputs[0], onnx.parameter("weight"), onnx.parameter("bias")], onnx.outputs,
      [.int("axis", -1), .float("epsilon", eps)])
  }
}
