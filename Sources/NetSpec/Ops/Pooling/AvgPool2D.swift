import NetSpecKernels

/// 2-D average pooling over `[N, C, H, W]` (PyTorch's `AvgPool2d`): padded
/// positions are zeros and, with `count_include_pad` (the default), count in the
/// divisor, which is then always the kernel area.
public struct AvgPool2D: Operator {
  public static let schema = OpSchema(
    name: "avgpool2d", category: .pooling,
    summary: "2-D average pooling over [N, C, H, W] inputs.",
    attributes: [
      .required("kernel", .pair(1...4096), "window size: k or [kh, kw]"),
      .optional("stride", .pair(1...4096), "step between windows: s or [sh, sw]; defaults to the kernel"),
      .default("padding", .pair(0...4096), .int(0), "zero padding per side (at most kernel / 2)"),
      .default(
        "count_include_pad", .bool, .bool(true),
        "divide by the kernel area even where the window covers padding"),
      .default(
        "ceil_mode", .bool, .bool(false),
        "round the output size up: a last, partial window that starts inside the input or the left padding"),
    ],
    primary: "kernel")

  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let ceilMode: Bool
  public let countIncludePad: Bool

  public init(_ attributes: Attributes) {
    kernel = attributes.pair("kernel")
    stride = attributes.has("stride") ? attributes.pair("stride") : kernel
    padding = attributes.pair("padding")
    ceilMode = attributes.bool("ceil_mode")
    countIncludePad = attributes.bool("count_include_pad")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let output = try ShapeRules.pool2D(inputs[0], kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    return Inference(
      outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.0 * kernel.1))
  }
}

extension AvgPool2D: PlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 4, 4)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 5, 5)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "count_include_pad": .bool(false)],
      inputs: [.batch(2, 5, 6)]),
    OpExample(["kernel": .int(3), "stride": .int(1)], inputs: [.batch(1, 4, 5)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "ceil_mode": .bool(true)], inputs: [.batch(2, 6, 5)]),
  ]

  /// The backward pass needs only the window geometry.
  public var backwardReads: BackwardReads { .nothing }

  /// The sum of each window clipped to the input, over the divisor.
  func forwardPlane(
    _ geometry: PoolingGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    saved: UnsafeMutablePointer<Float>?
  ) {
    geometry.averageForward(x, y, countIncludesPadding: countIncludePad)
  }

  /// Each output gradient spread evenly (over the divisor) across its window.
  func backwardPlane(
    _ geometry: PoolingGeometry, _ dy: UnsafePointer<Float>, saved: UnsafePointer<Float>?,
    _ dx: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    geometry.averageBackward(dy, dx, countIncludesPadding: countIncludePad, accumulate: accumulate)
  }

  func forwardPlaneCall(x: String, y: String, saved: String?) -> String {
    "pooling.averageForward(\(x), \(y), countIncludesPadding: \(countIncludePad))"
  }

  func backwardPlaneCall(dy: String, saved: String?, dx: String, accumulate: Bool) -> String {
    "pooling.averageBackward(\(dy), \(dx), countIncludesPadding: \(countIncludePad), accumulate: \(accumulate))"
  }
}

extension AvgPool2D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let include = (ceilMode ? ", ceil_mode=True" : "") + (countIncludePad ? "" : ", count_include_pad=False")
    return
      "F.avg_pool2d(\(layer.x), \(TorchLayer.pair(kernel)), \(TorchLayer.pair(stride)), \(TorchLayer.pair(padding))\(include))"
  }
}

extension AvgPool2D: ONNXExportable {
  /// `AveragePool` with `count_include_pad`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add(
      "AveragePool", onnx.inputs, onnx.outputs,
      [
        .ints("kernel_shape", [kernel.0, kernel.1]), .ints("strides", [stride.0, stride.1]),
        .ints("pads", [padding.0, padding.1, padding.0, padding.1]), .int("ceil_mode", ceilMode ? 1 : 0),
        .int("count_include_pad", countIncludePad ? 1 : 0),
      ])
  }
}
