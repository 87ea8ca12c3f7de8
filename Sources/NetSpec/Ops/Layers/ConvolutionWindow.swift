import NetSpecDiagnostics
import NetSpecKernels

/// The window of a convolution op over `[N, C, L]` (1-d) or `[N, C, H, W]`
/// (2-d), plain or transposed: kernel, stride and dilation per plane axis,
/// with a 1-d convolution as planes of height 1 (as its kernels run it). The
/// attributes the four convolution ops share, their input checks, output
/// sizes, weights, FLOPs and plane geometry, and their PyTorch and ONNX
/// arguments come from here (``ConvolutionLayer``); each op keeps its padding.
public struct ConvolutionWindow: Sendable {
  /// 1 or 2 convolved axes.
  public let spatialRank: Int
  /// `(height, width)`; height 1 (kernel, stride and dilation) for 1-d.
  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let dilation: (Int, Int)

  /// `filters`, `kernel`, `stride`, then `padding` (the op's own), `dilation`,
  /// `groups`, `bias` and `activation`; a transposed convolution's stride is
  /// its upsampling factor.
  static func attributes(spatialRank: Int, transposed: Bool, padding: [AttributeSpec]) -> [AttributeSpec] {
    let size: AttributeKind = spatialRank == 1 ? .int(1...4096) : .pair(1...4096)
    let (kernel, stride) =
      spatialRank == 1 ? ("kernel size", "stride") : ("kernel size: k or [kh, kw]", "stride: s or [sh, sw]")
    return [
      .required("filters", .int(1...Dim.limit), "number of output channels"),
      .required("kernel", size, kernel),
      .default("stride", size, .int(1), stride + (transposed ? " (the upsampling factor)" : "")),
    ] + padding + [
      .default("dilation", size, .int(1), "spacing between kernel taps"),
      .default(
        "groups", .int(1...65536), .int(1),
        transposed ? "channel groups" : "channel groups (channels = groups for depthwise)"),
      .default("bias", .bool, .bool(true), "add a learned bias per filter"),
      Activation.attribute,
    ]
  }

  /// The window an op's checked attributes describe.
  init(_ attributes: Attributes, spatialRank: Int) {
    self.spatialRank = spatialRank
    kernel = Self.pair(attributes, "kernel", spatialRank: spatialRank, height: 1)
    stride = Self.pair(attributes, "stride", spatialRank: spatialRank, height: 1)
    dilation = Self.pair(attributes, "dilation", spatialRank: spatialRank, height: 1)
  }

  /// Attribute `name` as `(height, width)`: a pair in 2-d, `(height, value)` in 1-d.
  static func pair(_ attributes: Attributes, _ name: String, spatialRank: Int, height: Int) -> (Int, Int) {
    spatialRank == 1 ? (height, attributes.int(name)) : attributes.pair(name)
  }

  /// The axes of `pair` that exist: `[width]` in 1-d, `[height, width]` in 2-d,
  /// as ONNX and the weights list them.
  func axes(_ pair: (Int, Int)) -> [Int] { spatialRank == 1 ? [pair.1] : [pair.0, pair.1] }

  /// The spatial axes' names, for diagnostics.
  private var axisNames: [String] { spatialRank == 1 ? ["length"] : ["height", "width"] }

  /// The channel count and the spatial sizes of `x`, `[N, C, L]` or
  /// `[N, C, H, W]`, all static.
  func input(_ x: TensorType) throws(ShapeError) -> (channels: Int, sizes: [Int]) {
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 2 + spatialRank, layout: spatialRank == 1 ? "[N, C, L]" : "[N, C, H, W]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    var sizes: [Int] = []
    for (i, name) in axisNames.enumerated() { sizes.append(try ShapeRules.staticSize(x, axis: 2 + i, what: name)) }
    return (channels, sizes)
  }

  /// The output sizes of a convolution over `sizes` padded by `pads` (per
  /// axis, before and after), or with `same` padding when nil.
  func outputs(_ sizes: [Int], pads: (begins: [Int], ends: [Int])?) throws(ShapeError) -> [Int] {
    let (kernels, strides, dilations) = (axes(kernel), axes(stride), axes(dilation))
    var result: [Int] = []
    for (i, size) in sizes.enumerated() {
      result.append(
        try ShapeRules.windowOutput(
          input: pads.map { size + $0.begins[i] + $0.ends[i] } ?? size, kernel: kernels[i], stride: strides[i],
          padding: pads == nil ? nil : 0, dilation: dilations[i], axis: axisNames[i]))
    }
    return result
  }

  /// `(in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1`
  /// per axis, a transposed convolution's output sizes (PyTorch's rule):
  /// `output_padding` must be below the stride or the dilation, and the output
  /// must have at least one position.
  func transposedOutputs(_ sizes: [Int], padding: (Int, Int), outputPadding: (Int, Int)) throws(ShapeError) -> [Int] {
    let (kernel, stride, dilation) = (axes(kernel), axes(stride), axes(dilation))
    let (padding, outputPadding) = (axes(padding), axes(outputPadding))
    var result: [Int] = []
    for (i, size) in sizes.enumerated() {
      let axis = axisNames[i]
      guard outputPadding[i] < stride[i] || outputPadding[i] < dilation[i] else {
        throw ShapeError(
          .valueOutOfRange,
          "output_padding \(outputPadding[i]) on the \(axis) must be smaller than the stride \(stride[i]) "
            + "or the dilation \(dilation[i])",
          attribute: "output_padding",
          help: "output_padding picks one of the `stride` output sizes that map to the same input size; "
            + "use at most \(max(stride[i], dilation[i]) - 1)")
      }
      let (scaled, o1) = (size - 1).multipliedReportingOverflow(by: stride[i])
      let (reach, o2) = dilation[i].multipliedReportingOverflow(by: kernel[i] - 1)
      guard !o1, !o2, scaled <= Dim.limit, reach <= Dim.limit else {
        throw ShapeError(.dimensionOverflow, "the output \(axis) overflows")
      }
      let output = scaled - 2 * padding[i] + reach + outputPadding[i] + 1
      guard output > 0 else {
        throw ShapeError(
          .nonPositiveDimension,
          "padding \(padding[i]) removes the whole output \(axis) "
            + "(\(output + 2 * padding[i]) before padding is removed from both sides)",
          attribute: "padding", help: "use a padding of at most \((output + 2 * padding[i] - 1) / 2)")
      }
      result.append(output)
    }
    return result
  }

  /// The plane geometry of the convolution from per-sample `[channels,
  /// input...]` to spatial sizes `output`, with `pads` `(top, left)`; 1-d as
  /// a plane of height 1.
  func geometry(channels: Int, input: [Int], output: [Int], pads: (top: Int, left: Int)) -> ConvolutionGeometry {
    let ((height, width), (outputHeight, outputWidth)) =
      spatialRank == 1 ? ((1, input[0]), (1, output[0])) : ((input[0], input[1]), (output[0], output[1]))
    return ConvolutionGeometry(
      channels: channels, height: height, width: width, kernel: kernel, stride: stride, dilation: dilation,
      padTop: pads.top, padLeft: pads.left, outputHeight: outputHeight, outputWidth: outputWidth)
  }

  /// `pair` in PyTorch's form: `w` in 1-d, `(h, w)` in 2-d.
  func torch(_ pair: (Int, Int)) -> String { spatialRank == 1 ? "\(pair.1)" : TorchLayer.pair(pair) }
}

/// A convolution op (`conv1d`, `conv2d`, `conv_transpose1d`,
/// `conv_transpose2d`): a ``ConvolutionWindow`` with `filters` output
/// channels in `groups` groups, an optional bias and a fused activation.
protocol ConvolutionLayer: Operator {
  var window: ConvolutionWindow { get }
  var filters: Int { get }
  var groups: Int { get }
  var bias: Bool { get }
  var activation: Activation? { get }
}

extension ConvolutionLayer {
  /// `filters`, `groups`, `bias` and `activation` from checked attributes.
  static func channelAttributes(_ attributes: Attributes) -> (
    filters: Int, groups: Int, bias: Bool, activation: Activation?
  ) {
    (
      attributes.int("filters"), attributes.int("groups"), attributes.bool("bias"),
      attributes.string("activation").flatMap(Activation.init(rawValue:))
    )
  }

  /// Checks that `groups` divides the input channels and the filters.
  func checkGroups(channels: Int) throws(ShapeError) {
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
  }

  /// The output type `[N, filters, outputSizes...]`, the parameters with
  /// PyTorch's layout and fan-in initialization (weight `[filters, C / groups,
  /// k...]`, transposed `[C, filters / groups, k...]`; bias `[filters]`) and
  /// the FLOPs: `2 · fan-in · filters` per output position (transposed:
  /// `2 · fan-in · C` per input position).
  func inference(
    _ x: TensorType, channels: Int, outputSizes: [Int], transposed: Bool
  ) throws(ShapeError) -> Inference {
    let (rows, columns) = transposed ? (channels, filters / groups) : (filters, channels / groups)
    let fanIn = columns * window.kernel.0 * window.kernel.1
    _ = try ShapeRules.parameterCount([rows, fanIn])
    var parameters = [ParameterSpec("weight", [rows, columns] + window.axes(window.kernel), .fanIn(fanIn))]
    if bias { parameters.append(ParameterSpec("bias", [filters], .fanIn(fanIn))) }
    let output = TensorType([x.shape[0], Dim(filters)] + outputSizes.map { Dim($0) })
    let positions = transposed ? Array(x.shape.dropFirst(2)) : outputSizes.map { Dim($0) }
    let perSample = try ShapeRules.product([Dim(2 * fanIn), Dim(rows)] + positions, what: "FLOP count")
    let flops = try ShapeRules.multiply(x.shape[0], perSample)
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }

  /// `name(in, filters, kernel, ...)` with every argument that is not
  /// PyTorch's default: the stride, `padding` (the op's own keyword
  /// arguments), the dilation, the groups and the bias (the dilation last for a
  /// transposed convolution, in `nn.ConvTranspose*d`'s order).
  func convolutionModule(_ name: String, _ layer: TorchLayer, padding: [String], transposed: Bool) -> String {
    var arguments = ["\(layer.size(axis: 1))", "\(filters)", window.torch(window.kernel)]
    if window.stride != (1, 1) { arguments.append("stride=\(window.torch(window.stride))") }
    arguments += padding
    let dilation = window.dilation != (1, 1) ? ["dilation=\(window.torch(window.dilation))"] : []
    if !transposed { arguments += dilation }
    if groups != 1 { arguments.append("groups=\(groups)") }
    if !bias { arguments.append("bias=False") }
    if transposed { arguments += dilation }
    return "\(name)(\(arguments.joined(separator: ", ")))"
  }

  /// One ONNX `opType` node (`Conv`, `ConvTranspose`) with the window's
  /// `kernel_shape`, `strides` and `dilations`, `pads` (begins, then ends),
  /// the `extra` attributes and `group`, then the fused activation as its own
  /// nodes.
  func exportConvolution(
    _ onnx: ONNXNodeContext, _ opType: String, pads: [Int], extra: [ONNXAttribute] = []
  ) throws(ONNXUnsupported) {
    let linear = onnx.preactivation(activation)
    onnx.add(
      opType, [onnx.inputs[0], onnx.parameter("weight")] + (bias ? [onnx.parameter("bias")] : []), [linear],
      [
        .ints("kernel_shape", window.axes(window.kernel)), .ints("strides", window.axes(window.stride)),
        .ints("dilations", window.axes(window.dilation)), .ints("pads", pads),
      ] + extra + [.int("group", groups)])
    try onnx.activate(activation, from: linear)
  }
}
