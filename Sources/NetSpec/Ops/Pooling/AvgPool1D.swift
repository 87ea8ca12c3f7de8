import NetSpecKernels

/// 1-D average pooling over `[N, C, L]` (PyTorch's `AvgPool1d`): the average
/// pooling kernels of ``PoolingGeometry`` on planes of height 1.
public struct AvgPool1D: Operator {
  public static let schema = OpSchema(
    name: "avgpool1d", category: .pooling,
    summary: "1-D average pooling over [N, C, L] inputs.",
    attributes: [
      .required("kernel", .int(1...4096), "window size"),
      .optional("stride", .int(1...4096), "step between windows; defaults to the kernel"),
      .default("padding", .int(0...4096), .int(0), "zero padding per end (at most kernel / 2)"),
      .default(
        "count_include_pad", .bool, .bool(true), "divide by the kernel size even where the window covers padding"),
      .default(
        "ceil_mode", .bool, .bool(false),
        "round the output length up: a last, partial window that starts inside the input or the left padding"),
    ],
    primary: "kernel")

  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let countIncludePad: Bool
  public let ceilMode: Bool

  public init(_ attributes: Attributes) {
    let size = attributes.int("kernel")
    kernel = (1, size)
    stride = (1, attributes.has("stride") ? attributes.int("stride") : size)
    padding = (0, attributes.int("padding"))
    countIncludePad = attributes.bool("count_include_pad")
    ceilMode = attributes.bool("ceil_mode")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let output = try ShapeRules.pool1D(
      inputs[0], kernel: kernel.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode)
    return Inference(outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.1))
  }
}

extension AvgPool1D: PlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 6)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "count_include_pad": .bool(false)],
      inputs: [.batch(2, 7)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "ceil_mode": .bool(true)], inputs: [.batch(3, 6)]),
  ]

  /// A plane of height 1: `[C, L]` -> `[C, L']`.
  func geometry(_ shapes: OpShapes) -> PoolingGeometry {
    PoolingGeometry(
      height: 1, width: shapes.inputs[0][1], kernel: kernel, stride: stride, padding: padding, outputHeight: 1,
      outputWidth: shapes.outputs[0][1])
  }

  /// The backward pass needs only the window geometry.
  public var backwardReads: BackwardReads { .nothing }

  func forwardPlane(
    _ geometry: PoolingGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    saved: UnsafeMutablePointer<Float>?
  ) {
    geometry.averageForward(x, y, countIncludesPadding: countIncludePad)
  }

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

extension AvgPool1D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let options = (ceilMode ? ", ceil_mode=True" : "") + (countIncludePad ? "" : ", count_include_pad=False")
    return "F.avg_pool1d(\(layer.x), \(kernel.1), \(stride.1), \(padding.1)\(options))"
  }
}

extension AvgPool1D: ONNXExportable {
  /// `AveragePool` over one axis with `count_include_pad`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add(
      "AveragePool", onnx.inputs, onnx.outputs,
      [
        .ints("kernel_shape", [kernel.1]), .ints("strides", [stride.1]), .ints("pads", [padding.1, padding.1]),
        .int("count_include_pad", countIncludePad ? 1 : 0), .int("ceil_mode", ceilMode ? 1 : 0),
      ])
  }
}
