import NetSpecKernels

/// A fully connected layer: `y = x W^T + b` over the last axis.
/// Weight layout `[units, in]` (as PyTorch), so it can be tied to an embedding.
public struct Dense: Operator {
  public static let schema = OpSchema(
    name: "dense", category: .layer,
    summary: "Fully connected layer over the last axis: y = x W^T + b.",
    attributes: [
      .required("units", .int(1...Dim.limit), "number of output features"),
      .default("bias", .bool, .bool(true), "add a learned bias"),
      Activation.attribute,
    ],
    primary: "units")

  public let units: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    units = attributes.int("units")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    _ = try ShapeRules.parameterCount([units, features])
    var parameters = [ParameterSpec("weight", [units, features], .fanIn(features))]
    if bias { parameters.append(ParameterSpec("bias", [units], .fanIn(features))) }
    let output = TensorType(Array(x.shape.dropLast()) + [Dim(units)])
    let rows = try ShapeRules.product(Array(x.shape.dropLast()), what: "batch size")
    let flops = try ShapeRules.multiply(rows, Dim(2 * features * units))
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}

extension Dense: ExecutableOperator {
  public static let examples = [
    OpExample(["units": .int(3)], inputs: [.batch(4)]),
    OpExample(["units": .int(5), "activation": .string("tanh")], inputs: [.batch(2, 3)]),
    OpExample(["units": .int(2), "activation": .string("relu"), "bias": .bool(false)], inputs: [.batch(6)]),
    OpExample(["units": .int(3), "activation": .string("gelu")], inputs: [.batch(4)]),
    OpExample(["units": .int(3), "activation": .string("sigmoid")], inputs: [.batch(4)]),
  ]

  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// The backward pass forms dZ = dY * f'(Z) here when there is an activation.
  public func workspace(_ shapes: OpShapes) -> Int {
    activation == nil ? 0 : shapes.outputCount(0)
  }

  /// One GEMM with the bias (and ReLU) fused, then the activation (``DenseKernels``).
  public func forward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    DenseKernels.forward(
      y: k.outputs[0], preActivation: savedState(k.shapes).isEmpty ? nil : k.saved[0], x: k.inputs[0],
      weight: k.parameters[0], bias: bias ? k.parameters[1] : nil, rows: k.batch * k.shapes.inputCount(0) / features,
      features: features, units: units, activation: activation?.kernel, pool: k.pool)
  }

  /// `dZ` through the activation's derivative (unless the consumer masked the
  /// gradient already), then `dX`, `dW` and `db` (``DenseKernels``).
  public func backward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    DenseKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: bias ? k.parameterGradients[1] : nil,
      workspace: k.workspace, x: k.inputs[0], weight: k.parameters[0], y: k.outputs[0],
      preActivation: savedState(k.shapes).isEmpty ? nil : k.saved[0], dy: k.outputGradients[0],
      reluMask: k.inputGradientMask, rows: k.batch * k.shapes.inputCount(0) / features, features: features,
      units: units, activation: k.outputGradientMasked ? nil : activation?.kernel,
      accumulateInput: k.accumulateInput[0], accumulateWeight: k.accumulateParameter[0],
      accumulateBias: bias && k.accumulateParameter[1], pool: k.pool)
  }
}

extension Dense: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    code.call(
      "DenseKernels.forward",
      [
        "y": s.output(0), "preActivation": savedState(s.shapes).isEmpty ? "nil" : s.saved(0), "x": s.input(0),
        "weight": s.parameter(0), "bias": bias ? s.parameter(1) : "nil",
        "rows": StepEmission.rows(s.shapes.inputCount(0) / features), "features": "\(features)", "units": "\(units)",
        "activation": activation?.kernel.swiftLiteral ?? "nil", "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), bias ? s.parameterGradient(1) : nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    let derivative = s.step.outputGradientMasked ? nil : activation?.kernel
    if s.step.outputGradientMasked { code.line("// dZ = dY: the consumer's dX GEMM applied the ReLU mask") }
    if s.inputGradientMask != nil { code.line("// dX is masked by the producer's ReLU: its pre-activation gradient") }
    code.call(
      "DenseKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil",
        "workspace": derivative == nil ? "nil" : s.workspace, "x": s.input(0), "weight": s.parameter(0),
        "y": derivative == nil || derivative!.needsInput ? "nil" : s.output(0),
        "preActivation": derivative?.needsInput == true ? s.saved(0) : "nil", "dy": s.outputGradient(0),
        "reluMask": s.inputGradientMask ?? "nil", "rows": StepEmission.rows(s.shapes.inputCount(0) / features),
        "features": "\(features)", "units": "\(units)", "activation": derivative?.swiftLiteral ?? "nil",
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "accumulateBias": "\(bias && s.accumulatesParameter(1))", "pool": "pool",
      ])
  }
}

extension Dense: TorchExportable {
  /// `nn.Linear`; a weight tied to another layer leaves only the bias here.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    if layer.isTied("weight") {
      return bias ? "nn.ParameterDict({\"bias\": nn.Parameter(torch.zeros(\(units)))})" : nil
    }
    return "nn.Linear(\(layer.size(axis: -1)), \(units)\(bias ? "" : ", bias=False"))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let linear =
      layer.isTied("weight")
      ? "F.linear(\(layer.x), \(layer.parameter("weight"))\(bias ? ", " + layer.parameter("bias") : ""))"
      : "\(layer.module)(\(layer.x))"
    return try layer.activation(activation, linear)
  }
}

extension Dense: ONNXExportable {
  /// `Gemm` (transB) for `[N, features]`, else `MatMul` with the transposed
  /// weight and `Add`; then the fused activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let linear = onnx.preactivation(activation)
    onnx.linear(
      onnx.inputs[0], rank: onnx.inputTypes[0].rank, weight: onnx.parameter("weight"),
      bias: bias ? onnx.parameter("bias") : nil, output: linear)
    try onnx.activate(activation, from: linear)
  }
}
