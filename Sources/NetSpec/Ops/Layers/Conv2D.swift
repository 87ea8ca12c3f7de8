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
