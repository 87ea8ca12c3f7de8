import NetSpecDiagnostics
import NetSpecKernels

/// 1-D convolution over `[N, C, L]` (PyTorch's `Conv1d`): ``ConvolutionKernels``
/// with a height of 1. `padding: [left, right]` pads the two ends differently;
/// `padding: [k - 1, 0]` (times the dilation) makes it causal, as WaveNet's.
public struct Conv1D: Operator {
  public static let schema = OpSchema(
    name: "conv1d", category: .layer,
    summary: "1-D convolution over [N, C, L] inputs.",
    attributes: [
      .required("filters", .int(1...Dim.limit), "number of output channels"),
      .required("kernel", .int(1...4096), "kernel size"),
      .default("stride", .int(1...4096), .int(1), "stride"),
      .default(
        "padding", .padding, .int(0),
        "zero padding per end, `[left, right]` (causal: `[dilation * (kernel - 1), 0]`), `same` or `valid`"),
      .default("dilation", .int(1...4096), .int(1), "spacing between kernel taps"),
      .default("groups", .int(1...65536), .int(1), "channel groups (channels = groups for depthwise)"),
      .default("bias", .bool, .bool(true), "add a learned bias per filter"),
      Activation.attribute,
    ])

  public let filters: Int
  public let kernel: Int
  public let stride: Int
  public let padding: Padding
  public let dilation: Int
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    filters = attributes.int("filters")
    kernel = attributes.int("kernel")
    stride = attributes.int("stride")
    padding = attributes.padding()
    dilation = attributes.int("dilation")
    groups = attributes.int("groups")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  /// Padding `(left, right)` used for an input of `length` (`same` puts the odd
  /// one on the right, as PyTorch).
  public func paddings(length: Int) -> (left: Int, right: Int) {
    switch padding {
    case .explicit(let left, let right): return (left, right)
    case .same:
      let p = ShapeRules.samePadding(input: length, kernel: kernel, stride: stride, dilation: dilation)
      return (p.before, p.after)
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 3, layout: "[N, C, L]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    let length = try ShapeRules.staticSize(x, axis: 2, what: "length")
    guard channels % groups == 0 else {
      throw ShapeError(
        .shapeMismatch, "\(channels) input channels cannot be split into \(groups) groups",
        input: 0, attribute: "groups", help: "groups must divide the input channel count")
    }
    guard filters % groups == 0 else {
      throw ShapeError(
        .valueOutOfRange, "\(filters) filters cannot be split into \(groups) groups",
        attribute: "filters", help: "groups must divide the number of filters")
    }
    let pads = paddings(length: length)
    let outputLength =
      if case .same = padding {
        try ShapeRules.windowOutput(input: length, kernel: kernel, stride: stride, padding: nil, axis: "length")
      } else {
        try ShapeRules.windowOutput(
          input: length + pads.left + pads.right, kernel: kernel, stride: stride, padding: 0, dilation: dilation,
          axis: "length")
      }
    let fanIn = channels / groups * kernel
    _ = try ShapeRules.parameterCount([filters, fanIn])
    var parameters = [ParameterSpec("weight", [filters, channels / groups, kernel], .fanIn(fanIn))]
    if bias { parameters.append(ParameterSpec("bias", [filters], .fanIn(fanIn))) }
    let output = TensorType([x.shape[0], Dim(filters), Dim(outputLength)])
    let perSample = try ShapeRules.product([Dim(2 * fanIn), Dim(filters), Dim(outputLength)], what: "FLOP count")
    let flops = try ShapeRules.multiply(x.shape[0], perSample)
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}

extension Conv1D: ExecutableOperator {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(3)], inputs: [.batch(2, 6)]),
    OpExample(
      ["filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "activation": .string("tanh")],
      inputs: [.batch(2, 7)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .int(2), "dilation": .int(2), "padding": .exampleInts([2, 0]),
        "groups": .int(2), "bias": .bool(false), "activation": .string("gelu"),
      ], inputs: [.batch(4, 6)]),
    OpExample(
      ["filters": .int(2), "kernel": .int(4), "stride": .int(2), "padding": .string("same")], inputs: [.batch(3, 7)]
    ),
  ]

  /// The convolution's geometry for per-sample shapes `[C, L]` -> `[F, L']`:
  /// a 2-D one of height 1.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let (x, y) = (shapes.inputs[0], shapes.outputs[0])
    return ConvolutionGeometry(
      channels: x[0], height: 1, width: x[1], kernel: (1, kernel), stride: (1, stride), dilation: (1, dilation),
      padTop: 0, padLeft: paddings(length: x[1]).left, outputHeight: 1, outputWidth: y[1])
  }

  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// ``ConvolutionKernels/workspace(_:filters:)``.
  public func workspace(_ shapes: OpShapes) -> Int {
    ConvolutionKernels.workspace(geometry(shapes), filters: filters)
  }

  /// The input for the weight gradient; the output only for an activation whose
  /// derivative is a function of it.
  public var backwardReads: BackwardReads {
    guard let activation, !activation.kernel.needsInput else { return .inputsOnly }
    return .all
  }

  /// The backward algorithm for these shapes (``ConvolutionVariant``), as for `conv2d`.
  func variant(_ g: ConvolutionGeometry, constantGeometry: Bool) -> ConvolutionVariant {
    ConvolutionVariant(g, groups: groups, constantGeometry: constantGeometry)
  }

  public func forward(_ k: Kernel) {
    ConvolutionKernels.forward(
      y: k.outputs[0], preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], bias: bias ? k.parameters[1] : nil,
      batch: k.batch, geometry: geometry(k.shapes), filters: filters, groups: groups,
      activation: activation?.kernel, pool: k.pool)
  }

  public func backward(_ k: Kernel) {
    let g = geometry(k.shapes)
    ConvolutionKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: bias ? k.parameterGradients[1] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], y: k.outputs[0],
      preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil, dy: k.outputGradients[0],
      batch: k.batch, geometry: g, filters: filters, groups: groups, activation: activation?.kernel,
      variant: variant(g, constantGeometry: false), accumulateInput: k.accumulateInput[0],
      accumulateWeight: k.accumulateParameter[0], accumulateBias: bias && k.accumulateParameter[1], pool: k.pool)
  }
}

extension Conv1D: EmittableOperator {
  /// `ConvolutionGeometry(...)` with the step's literal geometry.
  private func literal(_ g: ConvolutionGeometry) -> String {
    "ConvolutionGeometry(channels: \(g.channels), height: 1, width: \(g.width), kernel: (1, \(g.kernelWidth)), "
      + "stride: (1, \(g.strideWidth)), dilation: (1, \(g.dilationWidth)), padTop: 0, padLeft: \(g.padLeft), "
      + "outputHeight: 1, outputWidth: \(g.outputWidth))"
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.line("let geometry = \(literal(geometry(s.shapes)))")
    code.call(
      "ConvolutionKernels.forward",
      [
        "y": s.output(0), "preActivation": activation?.kernel.needsInput == true ? s.saved(0) : "nil",
        "workspace": s.workspace, "x": s.input(0), "weight": s.parameter(0), "bias": bias ? s.parameter(1) : "nil",
        "batch": "n", "geometry": "geometry", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil", "pool": "pool",
      ])
  }

  /// The backward kernel, specialized for a local ``ConvolutionShape`` whose
  /// geometry is a literal, with the variant for these shapes.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), bias ? s.parameterGradient(1) : nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    code.block("struct Shape: ConvolutionShape") { code in
      code.line("var geometry: ConvolutionGeometry { \(literal(g)) }")
    }
    let needsInput = activation?.kernel.needsInput == true
    code.call(
      "ConvolutionKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "workspace": s.workspace,
        "x": s.input(0), "weight": s.parameter(0), "y": activation != nil && !needsInput ? s.output(0) : "nil",
        "preActivation": needsInput ? s.saved(0) : "nil", "dy": s.outputGradient(0),
        "batch": "n", "geometry": "Shape()", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil",
        "variant": variant(g, constantGeometry: true).swiftLiteral,
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "accumulateBias": "\(bias && s.accumulatesParameter(1))", "pool": "pool",
      ])
  }
}

extension Conv1D: TorchExportable {
  /// `nn.Conv1d` with the padding on both ends; uneven padding (`[left,
  /// right]`, or `same` with an even kernel or a stride) is an `F.pad` before it.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    let pads = paddings(length: layer.size(axis: 2))
    var arguments = ["\(layer.size(axis: 1))", "\(filters)", "\(kernel)"]
    if stride != 1 { arguments.append("stride=\(stride)") }
    if pads.left == pads.right, pads.left > 0 { arguments.append("padding=\(pads.left)") }
    if dilation != 1 { arguments.append("dilation=\(dilation)") }
    if groups != 1 { arguments.append("groups=\(groups)") }
    if !bias { arguments.append("bias=False") }
    return "nn.Conv1d(\(arguments.joined(separator: ", ")))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let pads = paddings(length: layer.size(axis: 2))
    let input = pads.left == pads.right ? layer.x : "F.pad(\(layer.x), (\(pads.left), \(pads.right)))"
    return try layer.activation(activation, "\(layer.module)(\(input))")
  }
}

extension Conv1D: ONNXExportable {
  /// `Conv` with explicit pads (`same` resolved for the input's length), then
  /// the fused activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let pads = paddings(length: onnx.inputTypes[0].shape[2].staticValue!)
    let linear = onnx.preactivation(activation)
    onnx.add(
      "Conv", [onnx.inputs[0], onnx.parameter("weight")] + (bias ? [onnx.parameter("bias")] : []), [linear],
      [
        .ints("kernel_shape", [kernel]), .ints("strides", [stride]), .ints("dilations", [dilation]),
        .ints("pads", [pads.left, pads.right]), .int("group", groups),
      ])
    try onnx.activate(activation, from: linear)
  }
}
