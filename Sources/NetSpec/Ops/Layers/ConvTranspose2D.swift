import NetSpecDiagnostics
import NetSpecKernels

/// Transposed 2-D convolution over `[N, C, H, W]` (PyTorch's `ConvTranspose2d`,
/// the adjoint of `conv2d`): each input value scatters its kernel-sized patch
/// onto the output, `stride` apart, so a stride of 2 doubles the height and
/// the width (the upsampling of U-Net and of decoders).
public struct ConvTranspose2D: Operator {
  public static let schema = OpSchema(
    name: "conv_transpose2d", category: .layer,
    summary: "Transposed 2-D convolution over [N, C, H, W] inputs (upsampling).",
    attributes: [
      .required("filters", .int(1...Dim.limit), "number of output channels"),
      .required("kernel", .pair(1...4096), "kernel size: k or [kh, kw]"),
      .default("stride", .pair(1...4096), .int(1), "stride: s or [sh, sw] (the upsampling factor)"),
      .default(
        "padding", .pair(0...4096), .int(0),
        "rows and columns removed from each side of the full output: p or [ph, pw]"),
      .default(
        "output_padding", .pair(0...4096), .int(0),
        "rows and columns added after the last window (below the stride or the dilation)"),
      .default("dilation", .pair(1...4096), .int(1), "spacing between kernel taps"),
      .default("groups", .int(1...65536), .int(1), "channel groups"),
      .default("bias", .bool, .bool(true), "add a learned bias per filter"),
      Activation.attribute,
    ])

  public let filters: Int
  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let outputPadding: (Int, Int)
  public let dilation: (Int, Int)
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    filters = attributes.int("filters")
    kernel = attributes.pair("kernel")
    stride = attributes.pair("stride")
    padding = attributes.pair("padding")
    outputPadding = attributes.pair("output_padding")
    dilation = attributes.pair("dilation")
    groups = attributes.int("groups")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    let height = try ShapeRules.staticSize(x, axis: 2, what: "height")
    let width = try ShapeRules.staticSize(x, axis: 3, what: "width")
    let window = TransposedWindow(
      kernel: [kernel.0, kernel.1], stride: [stride.0, stride.1], padding: [padding.0, padding.1],
      outputPadding: [outputPadding.0, outputPadding.1], dilation: [dilation.0, dilation.1],
      axes: ["height", "width"])
    let size = try window.outputs([height, width])
    return try window.inference(
      x, channels: channels, filters: filters, groups: groups, bias: bias, outputSizes: size,
      taps: kernel.0 * kernel.1)
  }
}

/// The shape rule of a transposed convolution along its spatial axes, shared
/// by `conv_transpose1d` and `conv_transpose2d`.
struct TransposedWindow {
  var kernel: [Int]
  var stride: [Int]
  var padding: [Int]
  var outputPadding: [Int]
  var dilation: [Int]
  /// The axes' names, for diagnostics: `["height", "width"]` or `["length"]`.
  var axes: [String]

  /// `(in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1`
  /// per axis, PyTorch's rule: `output_padding` must be below the stride or
  /// the dilation, and the output must have at least one position.
  func outputs(_ sizes: [Int]) throws(ShapeError) -> [Int] {
    var result: [Int] = []
    for (i, size) in sizes.enumerated() {
      guard outputPadding[i] < stride[i] || outputPadding[i] < dilation[i] else {
        throw ShapeError(
          .valueOutOfRange,
          "output_padding \(outputPadding[i]) on the \(axes[i]) must be smaller than the stride \(stride[i]) "
            + "or the dilation \(dilation[i])",
          attribute: "output_padding",
          help: "output_padding picks one of the `stride` output sizes that map to the same input size; "
            + "use at most \(max(stride[i], dilation[i]) - 1)")
      }
      let (scaled, o1) = (size - 1).multipliedReportingOverflow(by: stride[i])
      let (reach, o2) = dilation[i].multipliedReportingOverflow(by: kernel[i] - 1)
      guard !o1, !o2, scaled <= Dim.limit, reach <= Dim.limit else {
        throw ShapeError(.dimensionOverflow, "the output \(axes[i]) overflows")
      }
      let output = scaled - 2 * padding[i] + reach + outputPadding[i] + 1
      guard output > 0 else {
        throw ShapeError(
          .nonPositiveDimension,
          "padding \(padding[i]) removes the whole output \(axes[i]) "
            + "(\(output + 2 * padding[i]) before padding is removed from both sides)",
          attribute: "padding", help: "use a padding of at most \((output + 2 * padding[i] - 1) / 2)")
      }
      result.append(output)
    }
    return result
  }

  /// The output type, the parameters (PyTorch's weight `[C, F / groups, k...]`
  /// and initialization: fan-in `F / groups * taps`) and the FLOPs.
  func inference(
    _ x: TensorType, channels: Int, filters: Int, groups: Int, bias: Bool, outputSizes: [Int], taps: Int
  ) throws(ShapeError) -> Inference {
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
    let fanIn = filters / groups * taps
    _ = try ShapeRules.parameterCount([channels, fanIn])
    var parameters = [ParameterSpec("weight", [channels, filters / groups] + kernel, .fanIn(fanIn))]
    if bias { parameters.append(ParameterSpec("bias", [filters], .fanIn(fanIn))) }
    let output = TensorType([x.shape[0], Dim(filters)] + outputSizes.map { Dim($0) })
    let inputPositions = x.shape.dropFirst(2).map { $0 }
    let perSample = try ShapeRules.product(
      [Dim(2 * fanIn), Dim(channels)] + inputPositions, what: "FLOP count")
    let flops = try ShapeRules.multiply(x.shape[0], perSample)
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}

/// A transposed convolution's execution, shared by `conv_transpose1d` and
/// `conv_transpose2d`: both run ``TransposedConvolutionKernels`` on the
/// geometry of the convolution they transpose (height 1 for 1-d).
protocol TransposedConvolution: EmittableOperator {
  var groups: Int { get }
  var bias: Bool { get }
  var activation: Activation? { get }
  /// The convolution from this op's output `[F, ...]` back to its input.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry
}

extension TransposedConvolution {
  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// One sample's columns and pre-activation gradient
  /// (``TransposedConvolutionKernels/workspace(_:)``).
  public func workspace(_ shapes: OpShapes) -> Int { TransposedConvolutionKernels.workspace(geometry(shapes)) }

  /// The input for the weight gradient; the output only for an activation whose
  /// derivative is a function of it.
  public var backwardReads: BackwardReads {
    guard let activation, !activation.kernel.needsInput else { return .inputsOnly }
    return .all
  }

  private var keepsPreActivation: Bool { activation?.kernel.needsInput == true }

  public func forward(_ k: Kernel) {
    TransposedConvolutionKernels.forward(
      y: k.outputs[0], preActivation: keepsPreActivation ? k.saved[0] : nil, workspace: k.workspace!,
      x: k.inputs[0], weight: k.parameters[0], bias: bias ? k.parameters[1] : nil, batch: k.batch,
      geometry: geometry(k.shapes), inputChannels: k.shapes.inputs[0][0], groups: groups,
      activation: activation?.kernel, pool: k.pool)
  }

  public func backward(_ k: Kernel) {
    TransposedConvolutionKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: bias ? k.parameterGradients[1] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], y: k.outputs[0],
      preActivation: keepsPreActivation ? k.saved[0] : nil, dy: k.outputGradients[0], batch: k.batch,
      geometry: geometry(k.shapes), inputChannels: k.shapes.inputs[0][0], groups: groups,
      activation: activation?.kernel, accumulateInput: k.accumulateInput[0],
      accumulateWeight: k.accumulateParameter[0], accumulateBias: bias && k.accumulateParameter[1], pool: k.pool)
  }

  /// `let geometry = ConvolutionGeometry(...)` with the step's literal geometry.
  private func declareGeometry(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    code.line(
      "let geometry = ConvolutionGeometry(channels: \(g.channels), height: \(g.height), width: \(g.width), "
        + "kernel: (\(g.kernelHeight), \(g.kernelWidth)), stride: (\(g.strideHeight), \(g.strideWidth)), "
        + "dilation: (\(g.dilationHeight), \(g.dilationWidth)), padTop: \(g.padTop), padLeft: \(g.padLeft), "
        + "outputHeight: \(g.outputHeight), outputWidth: \(g.outputWidth))")
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    declareGeometry(s, &code)
    code.call(
      "TransposedConvolutionKernels.forward",
      [
        "y": s.output(0), "preActivation": keepsPreActivation ? s.saved(0) : "nil", "workspace": s.workspace,
        "x": s.input(0), "weight": s.parameter(0), "bias": bias ? s.parameter(1) : "nil", "batch": "n",
        "geometry": "geometry", "inputChannels": "\(s.shapes.inputs[0][0])", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil", "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), bias ? s.parameterGradient(1) : nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    declareGeometry(s, &code)
    code.call(
      "TransposedConvolutionKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "workspace": s.workspace,
        "x": s.input(0), "weight": s.parameter(0),
        "y": activation != nil && !keepsPreActivation ? s.output(0) : "nil",
        "preActivation": keepsPreActivation ? s.saved(0) : "nil", "dy": s.outputGradient(0), "batch": "n",
        "geometry": "geometry", "inputChannels": "\(s.shapes.inputs[0][0])", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil",
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "accumulateBias": "\(bias && s.accumulatesParameter(1))", "pool": "pool",
      ])
  }
}

extension ConvTranspose2D: TransposedConvolution {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(2), "stride": .int(2)], inputs: [.batch(2, 3, 4)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "output_padding": .int(1),
        "activation": .string("sigmoid"),
      ], inputs: [.batch(2, 3, 3)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .exampleInts([3, 2]), "dilation": .int(2), "padding": .exampleInts([1, 0]),
        "groups": .int(2), "bias": .bool(false), "activation": .string("gelu"),
      ], inputs: [.batch(4, 3, 4)]),
    OpExample(
      ["filters": .int(2), "kernel": .int(3), "stride": .exampleInts([1, 2]), "activation": .string("tanh")],
      inputs: [.batch(3, 2, 3)]),
  ]

  /// The convolution from the output `[F, oh, ow]` back to the input `[C, H, W]`.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let (x, y) = (shapes.inputs[0], shapes.outputs[0])
    return ConvolutionGeometry(
      channels: y[0], height: y[1], width: y[2], kernel: kernel, stride: stride, dilation: dilation,
      padTop: padding.0, padLeft: padding.1, outputHeight: x[1], outputWidth: x[2])
  }
}

extension ConvTranspose2D: TorchExportable {
  /// `nn.ConvTranspose2d` with every attribute that is not PyTorch's default.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    var arguments = ["\(layer.size(axis: 1))", "\(filters)", TorchLayer.pair(kernel)]
    if stride != (1, 1) { arguments.append("stride=\(TorchLayer.pair(stride))") }
    if padding != (0, 0) { arguments.append("padding=\(TorchLayer.pair(padding))") }
    if outputPadding != (0, 0) { arguments.append("output_padding=\(TorchLayer.pair(outputPadding))") }
    if groups != 1 { arguments.append("groups=\(groups)") }
    if !bias { arguments.append("bias=False") }
    if dilation != (1, 1) { arguments.append("dilation=\(TorchLayer.pair(dilation))") }
    return "nn.ConvTranspose2d(\(arguments.joined(separator: ", ")))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    try layer.activation(activation, "\(layer.module)(\(layer.x))")
  }
}

extension ConvTranspose2D: ONNXExportable {
  /// `ConvTranspose` with symmetric pads and `output_padding`, then the fused
  /// activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let linear = onnx.preactivation(activation)
    onnx.add(
      "ConvTranspose",
      [onnx.inputs[0], onnx.parameter("weight")] + (bias ? [onnx.parameter("bias")] : []), [linear],
      [
        .ints("kernel_shape", [kernel.0, kernel.1]), .ints("strides", [stride.0, stride.1]),
        .ints("dilations", [dilation.0, dilation.1]),
        .ints("pads", [padding.0, padding.1, padding.0, padding.1]),
        .ints("output_padding", [outputPadding.0, outputPadding.1]), .int("group", groups),
      ])
    try onnx.activate(activation, from: linear)
  }
}
