import NetSpecDiagnostics
import NetSpecKernels

/// 2-D convolution over `[N, C, H, W]` (cross-correlation, as every framework).
public struct Conv2D: Operator {
  public static let schema = OpSchema(
    name: "conv2d", category: .layer,
    summary: "2-D convolution over [N, C, H, W] inputs.",
    attributes: [
      .required("filters", .int(1...Dim.limit), "number of output channels"),
      .required("kernel", .pair(1...4096), "kernel size: k or [kh, kw]"),
      .default("stride", .pair(1...4096), .int(1), "stride: s or [sh, sw]"),
      .default("padding", .padding, .int(0), "zero padding per side, or `same` / `valid`"),
      .default("dilation", .pair(1...4096), .int(1), "spacing between kernel taps"),
      .default("groups", .int(1...65536), .int(1), "channel groups (channels = groups for depthwise)"),
      .default("bias", .bool, .bool(true), "add a learned bias per filter"),
      Activation.attribute,
    ])

  public let filters: Int
  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: Padding
  public let dilation: (Int, Int)
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    filters = attributes.int("filters")
    kernel = attributes.pair("kernel")
    stride = attributes.pair("stride")
    padding = attributes.padding()
    dilation = attributes.pair("dilation")
    groups = attributes.int("groups")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  /// Per-side padding `(top, left)` used for an input of `height` x `width`.
  public func paddings(height: Int, width: Int) -> (top: Int, left: Int, bottom: Int, right: Int) {
    switch padding {
    case .explicit(let h, let w): return (h, w, h, w)
    case .same:
      let ph = ShapeRules.samePadding(input: height, kernel: kernel.0, stride: stride.0, dilation: dilation.0)
      let pw = ShapeRules.samePadding(input: width, kernel: kernel.1, stride: stride.1, dilation: dilation.1)
      return (ph.before, pw.before, ph.after, pw.after)
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    let height = try ShapeRules.staticSize(x, axis: 2, what: "height")
    let width = try ShapeRules.staticSize(x, axis: 3, what: "width")
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
    let explicit: (Int, Int)? =
      if case .explicit(let h, let w) = padding { (h, w) } else { nil }
    let outH = try ShapeRules.windowOutput(
      input: height, kernel: kernel.0, stride: stride.0, padding: explicit?.0,
      dilation: dilation.0, axis: "height")
    let outW = try ShapeRules.windowOutput(
      input: width, kernel: kernel.1, stride: stride.1, padding: explicit?.1,
      dilation: dilation.1, axis: "width")
    let fanIn = channels / groups * kernel.0 * kernel.1
    _ = try ShapeRules.parameterCount([filters, fanIn])
    var parameters = [
      ParameterSpec("weight", [filters, channels / groups, kernel.0, kernel.1], .fanIn(fanIn))
    ]
    if bias { parameters.append(ParameterSpec("bias", [filters], .fanIn(fanIn))) }
    let output = TensorType([x.shape[0], Dim(filters), Dim(outH), Dim(outW)])
    let perSample = try ShapeRules.product([Dim(2 * fanIn), Dim(filters), Dim(outH), Dim(outW)], what: "FLOP count")
    let flops = try ShapeRules.multiply(x.shape[0], perSample)
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}

extension Conv2D: ExecutableOperator {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(3)], inputs: [.batch(2, 5, 5)]),
    OpExample(
      ["filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "activation": .string("relu")],
      inputs: [.batch(2, 6, 7)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .exampleInts([3, 2]), "dilation": .int(2), "padding": .string("same"),
        "groups": .int(2), "bias": .bool(false), "activation": .string("tanh"),
      ], inputs: [.batch(4, 7, 6)]),
    OpExample(
      [
        "filters": .int(6), "kernel": .int(3), "stride": .exampleInts([1, 2]), "padding": .exampleInts([2, 0]),
        "groups": .int(3), "activation": .string("gelu"),
      ], inputs: [.batch(3, 5, 6)]),
    OpExample(
      [
        "filters": .int(2), "kernel": .int(4), "stride": .int(2), "padding": .string("same"),
        "activation": .string("sigmoid"),
      ],
      inputs: [.batch(1, 7, 8)]),
  ]

  /// The convolution's geometry for per-sample shapes `[C, H, W]` -> `[F, oh, ow]`.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let x = shapes.inputs[0]
    let y = shapes.outputs[0]
    let pads = paddings(height: x[1], width: x[2])
    return ConvolutionGeometry(
      channels: x[0], height: x[1], width: x[2], kernel: kernel, stride: stride, dilation: dilation,
      padTop: pads.top, padLeft: pads.left, outputHeight: y[1], outputWidth: y[2])
  }

  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// Per sample: the im2col columns and the GEMM result or gradient
  /// (``ConvolutionKernels/workspace(_:filters:)``).
  public func workspace(_ shapes: OpShapes) -> Int {
    ConvolutionKernels.workspace(geometry(shapes), filters: filters)
  }

  /// The input for the weight gradient; the output only for an activation whose
  /// derivative is a function of it.
  public var backwardReads: BackwardReads {
    guard let activation, !activation.kernel.needsInput else { return .inputsOnly }
    return .all
  }

  /// The backward pass's algorithm for these shapes, in the interpreter
  /// (`constantGeometry: false`) or in emitted code (`true`, where the shape
  /// is a literal type): the one decision both backends follow.
  func variant(_ g: ConvolutionGeometry, constantGeometry: Bool) -> ConvolutionVariant {
    ConvolutionVariant(g, groups: groups, constantGeometry: constantGeometry)
  }

  /// im2col + GEMM with the bias (and ReLU) fused, then the activation and a
  /// fused pooling plane by plane (``ConvolutionKernels``); with a folded
  /// batchnorm that applies to the pass, the same on weights and bias folded
  /// first, with the activation after the batchnorm.
  public func forward(_ k: Kernel) {
    if let folded = k.foldedNormalization, folded.applies(training: k.training) {
      folded.fold(
        weight: k.parameters[0], bias: bias ? k.parameters[1] : nil, filters: filters,
        perFilter: k.shapes.parameters[0].dropFirst().reduce(1, *))
      ConvolutionKernels.forward(
        y: folded.output ?? k.outputs[0], preActivation: nil, workspace: k.workspace!, x: k.inputs[0],
        weight: folded.weight, bias: folded.bias, batch: k.batch, geometry: geometry(k.shapes), filters: filters,
        groups: groups, activation: folded.activation, pool: k.pool)
      return
    }
    ConvolutionKernels.forward(
      y: k.outputs[0], preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], bias: bias ? k.parameters[1] : nil,
      batch: k.batch, geometry: geometry(k.shapes), filters: filters, groups: groups,
      activation: activation?.kernel, pool: k.pool
    ) { plane, y in k.fusedPooling?.forward(plane: plane, y) }
  }

  /// `dZ` through the activation's derivative (from the pooled gradient with a
  /// fused pooling), then `db`, `dW` and `dX` by the step's ``variant(_:)``.
  public func backward(_ k: Kernel) {
    let g = geometry(k.shapes)
    ConvolutionKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: bias ? k.parameterGradients[1] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], y: k.outputs[0],
      preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil,
      dy: k.fusedPooling == nil ? k.outputGradients[0] : nil, batch: k.batch, geometry: g, filters: filters,
      groups: groups, activation: activation?.kernel, variant: variant(g, constantGeometry: false),
      accumulateInput: k.accumulateInput[0],
      accumulateWeight: k.accumulateParameter[0], accumulateBias: bias && k.accumulateParameter[1], pool: k.pool
    ) { plane, dz in k.fusedPooling?.backward(plane: plane, into: dz) }
  }
}

extension Conv2D: EmittableOperator {
  /// `ConvolutionGeometry(...)` with the step's literal geometry.
  private func literal(_ g: ConvolutionGeometry) -> String {
    "ConvolutionGeometry(channels: \(g.channels), height: \(g.height), width: \(g.width), "
      + "kernel: (\(g.kernelHeight), \(g.kernelWidth)), stride: (\(g.strideHeight), \(g.strideWidth)), "
      + "dilation: (\(g.dilationHeight), \(g.dilationWidth)), padTop: \(g.padTop), padLeft: \(g.padLeft), "
      + "outputHeight: \(g.outputHeight), outputWidth: \(g.outputWidth))"
  }

  /// `let geometry = ConvolutionGeometry(...)` with the step's literal geometry.
  private func declareGeometry(_ g: ConvolutionGeometry, _ code: inout SwiftWriter) {
    code.line("let geometry = \(literal(g))")
  }

  /// A local type whose `geometry` is the step's literal geometry
  /// (``ConvolutionShape``): the backward kernel, specialized for it, sees
  /// constants inside the loops it runs on the thread pool.
  private func declareShape(_ g: ConvolutionGeometry, _ code: inout SwiftWriter) {
    code.block("struct Shape: ConvolutionShape") { code in
      code.line("var geometry: ConvolutionGeometry { \(literal(g)) }")
    }
  }

  /// One call to the forward kernel; a fused pooling becomes its plane
  /// epilogue. A folded batchnorm is a fold and a call on the folded weights,
  /// in a training plan for the passes that do not train only.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    declareGeometry(geometry(s.shapes), &code)
    if let folded = s.foldedNormalization {
      let foldedPass = { (code: inout SwiftWriter) in
        folded.fold(
          &code, weight: s.parameter(0), bias: bias ? s.parameter(1) : "nil", filters: filters,
          perFilter: s.shapes.parameters[0].dropFirst().reduce(1, *))
        code.call(
          "ConvolutionKernels.forward",
          [
            "y": folded.output ?? s.output(0), "preActivation": "nil", "workspace": s.workspace, "x": s.input(0),
            "weight": folded.weight, "bias": folded.bias, "batch": "n", "geometry": "geometry",
            "filters": "\(filters)", "groups": "\(groups)", "activation": folded.activation?.swiftLiteral ?? "nil",
            "pool": "pool",
          ])
      }
      guard folded.output != nil else { return foldedPass(&code) }
      code.block("if !training") { code in
        foldedPass(&code)
        code.line("return")
      }
    }
    let pooling = s.fusedPooling
    code.call(
      "ConvolutionKernels.forward",
      [
        "y": s.output(0), "preActivation": activation?.kernel.needsInput == true ? s.saved(0) : "nil",
        "workspace": s.workspace, "x": s.input(0), "weight": s.parameter(0), "bias": bias ? s.parameter(1) : "nil",
        "batch": "n", "geometry": "geometry", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil", "pool": "pool",
      ], trailing: pooling.map { _ in "{ plane, y in" }
    ) { code in
      pooling?.declareGeometry(&code)
      if let pooling { code.line(pooling.forward(x: "y")) }
    }
  }

  /// One call to the backward kernel with the variant for these shapes; a
  /// fused pooling routes its gradient onto each plane in a trailing closure.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), bias ? s.parameterGradient(1) : nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    declareShape(g, &code)
    let pooling = s.fusedPooling
    let needsInput = activation?.kernel.needsInput == true
    code.call(
      "ConvolutionKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "workspace": s.workspace,
        "x": s.input(0), "weight": s.parameter(0), "y": activation != nil && !needsInput ? s.output(0) : "nil",
        "preActivation": needsInput ? s.saved(0) : "nil", "dy": pooling == nil ? s.outputGradient(0) : "nil",
        "batch": "n", "geometry": "Shape()", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil",
        "variant": variant(g, constantGeometry: true).swiftLiteral,
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "accumulateBias": "\(bias && s.accumulatesParameter(1))", "pool": "pool",
      ], trailing: pooling.map { _ in "{ plane, dz in" }
    ) { code in
      pooling?.declareGeometry(&code)
      if let pooling { code.line(pooling.backward(into: "dz")) }
    }
  }
}

extension Conv2D: TorchExportable {
  /// `nn.Conv2d` with the padding on both sides; an uneven `same` padding
  /// (an even kernel, or a stride) is an `F.pad` before it instead.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    let pads = paddings(height: layer.size(axis: 2), width: layer.size(axis: 3))
    var arguments = ["\(layer.size(axis: 1))", "\(filters)", TorchLayer.pair(kernel)]
    if stride != (1, 1) { arguments.append("stride=\(TorchLayer.pair(stride))") }
    if pads.top == pads.bottom, pads.left == pads.right, pads.top + pads.left > 0 {
      arguments.append("padding=\(TorchLayer.pair((pads.top, pads.left)))")
    }
    if dilation != (1, 1) { arguments.append("dilation=\(TorchLayer.pair(dilation))") }
    if groups != 1 { arguments.append("groups=\(groups)") }
    if !bias { arguments.append("bias=False") }
    return "nn.Conv2d(\(arguments.joined(separator: ", ")))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let pads = paddings(height: layer.size(axis: 2), width: layer.size(axis: 3))
    let input =
      pads.top == pads.bottom && pads.left == pads.right
      ? layer.x : "F.pad(\(layer.x), (\(pads.left), \(pads.right), \(pads.top), \(pads.bottom)))"
    return try layer.activation(activation, "\(layer.module)(\(input))")
  }
}

extension Conv2D: ONNXExportable {
  /// `Conv` with explicit pads (`same` resolved for the input's size, as the
  /// kernels do), then the fused activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let shape = onnx.inputTypes[0].shape
    let pads = paddings(height: shape[2].staticValue!, width: shape[3].staticValue!)
    let linear = onnx.preactivation(activation)
    onnx.add(
      "Conv", [onnx.inputs[0], onnx.parameter("weight")] + (bias ? [onnx.parameter("bias")] : []), [linear],
      [
        .ints("kernel_shape", [kernel.0, kernel.1]), .ints("strides", [stride.0, stride.1]),
        .ints("dilations", [dilation.0, dilation.1]), .ints("pads", [pads.top, pads.left, pads.bottom, pads.right]),
        .int("group", groups),
      ])
    try onnx.activate(activation, from: linear)
  }
}
