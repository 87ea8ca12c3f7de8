import NetSpecDiagnostics
import NetSpecKernels

/// Transposed 1-D convolution over `[N, C, L]` (PyTorch's `ConvTranspose1d`):
/// ``TransposedConvolutionKernels`` with a height of 1.
public struct ConvTranspose1D: Operator {
  public static let schema = OpSchema(
    name: "conv_transpose1d", category: .layer,
    summary: "Transposed 1-D convolution over [N, C, L] inputs (upsampling).",
    attributes: [
      .required("filters", .int(1...Dim.limit), "number of output channels"),
      .required("kernel", .int(1...4096), "kernel size"),
      .default("stride", .int(1...4096), .int(1), "stride (the upsampling factor)"),
      .default("padding", .int(0...4096), .int(0), "positions removed from each end of the full output"),
      .default(
        "output_padding", .int(0...4096), .int(0),
        "positions added after the last window (below the stride or the dilation)"),
      .default("dilation", .int(1...4096), .int(1), "spacing between kernel taps"),
      .default("groups", .int(1...65536), .int(1), "channel groups"),
      .default("bias", .bool, .bool(true), "add a learned bias per filter"),
      Activation.attribute,
    ])

  public let filters: Int
  public let kernel: Int
  public let stride: Int
  public let padding: Int
  public let outputPadding: Int
  public let dilation: Int
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    filters = attributes.int("filters")
    kernel = attributes.int("kernel")
    stride = attributes.int("stride")
    padding = attributes.int("padding")
    outputPadding = attributes.int("output_padding")
    dilation = attributes.int("dilation")
    groups = attributes.int("groups")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 3, layout: "[N, C, L]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    let length = try ShapeRules.staticSize(x, axis: 2, what: "length")
    let window = TransposedWindow(
      kernel: [kernel], stride: [stride], padding: [padding], outputPadding: [outputPadding], dilation: [dilation],
      axes: ["length"])
    return try window.inference(
      x, channels: channels, filters: filters, groups: groups, bias: bias, outputSizes: window.outputs([length]),
      taps: kernel)
  }
}

extension ConvTranspose1D: TransposedConvolution {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(2), "stride": .int(2)], inputs: [.batch(2, 4)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "output_padding": .int(1),
        "groups": .int(2), "activation": .string("tanh"),
      ], inputs: [.batch(2, 5)]),
    OpExample(
      [
        "filters": .int(2), "kernel": .int(3), "dilation": .int(2), "bias": .bool(false), "activation": .string("gelu"),
      ],
      inputs: [.batch(3, 4)]),
  ]

  /// The convolution from the output `[F, L']` back to the input `[C, L]`, of height 1.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let (x, y) = (shapes.inputs[0], shapes.outputs[0])
    return ConvolutionGeometry(
      channels: y[0], height: 1, width: y[1], kernel: (1, kernel), stride: (1, stride), dilation: (1, dilation),
      padTop: 0, padLeft: padding, outputHeight: 1, outputWidth: x[1])
  }
}

extension ConvTranspose1D: TorchExportable {
  /// `nn.ConvTranspose1d` with every attribute that is not PyTorch's default.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    var arguments = ["\(layer.size(axis: 1))", "\(filters)", "\(kernel)"]
    if stride != 1 { arguments.append("stride=\(stride)") }
    if padding != 0 { arguments.append("padding=\(padding)") }
    if outputPadding != 0 { arguments.append("output_padding=\(outputPadding)") }
    if groups != 1 { arguments.append("groups=\(groups)") }
    if !bias { arguments.append("bias=False") }
    if dilation != 1 { arguments.append("dilation=\(dilation)") }
    return "nn.ConvTranspose1d(\(arguments.joined(separator: ", ")))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    try layer.activation(activation, "\(layer.module)(\(layer.x))")
  }
}

extension ConvTranspose1D: ONNXExportable {
  /// `ConvTranspose` over one axis, then the fused activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let linear = onnx.preactivation(activation)
    onnx.add(
      "ConvTranspose",
      [onnx.inputs[0], onnx.parameter("weight")] + (bias ? [onnx.parameter("bias")] : []), [linear],
      [
        .ints("kernel_shape", [kernel]), .ints("strides", [stride]), .ints("dilations", [dilation]),
        .ints("pads", [padding, padding]), .ints("output_padding", [outputPadding]), .int("group", groups),
      ])
    try onnx.activate(activation, from: linear)
  }
}
