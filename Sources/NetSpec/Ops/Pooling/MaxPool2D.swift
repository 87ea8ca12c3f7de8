import NetSpecKernels

/// 2-D max pooling over `[N, C, H, W]` (PyTorch's `MaxPool2d`): padded positions
/// count as -infinity, so they never win the maximum.
public struct MaxPool2D: Operator {
  public static let schema = OpSchema(
    name: "maxpool2d", category: .pooling,
    summary: "2-D max pooling over [N, C, H, W] inputs.",
    attributes: [
      .required("kernel", .pair(1...4096), "window size: k or [kh, kw]"),
      .optional("stride", .pair(1...4096), "step between windows: s or [sh, sw]; defaults to the kernel"),
      .default("padding", .pair(0...4096), .int(0), "-infinity padding per side (at most kernel / 2)"),
      .default(
        "ceil_mode", .bool, .bool(false),
        "round the output size up: a last, partial window that starts inside the input or the left padding"),
    ],
    primary: "kernel")

  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let ceilMode: Bool

  public init(_ attributes: Attributes) {
    kernel = attributes.pair("kernel")
    stride = attributes.has("stride") ? attributes.pair("stride") : kernel
    padding = attributes.pair("padding")
    ceilMode = attributes.bool("ceil_mode")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let output = try ShapeRules.pool2D(inputs[0], kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    return Inference(
      outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.0 * kernel.1))
  }
}

extension MaxPool2D: PlanePooling {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 4, 4)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 5, 5)]),
    OpExample(["kernel": .int(3), "stride": .int(1)], inputs: [.batch(1, 4, 5)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "ceil_mode": .bool(true)], inputs: [.batch(1, 6, 4)]),
  ]

  /// The index of each output's maximum within its input plane (`ih * W + iw`),
  /// stored as a Float (exact for planes below 2^24 positions).
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.outputCount(0)] }

  /// The gradient is routed through the saved indices alone.
  public var backwardReads: BackwardReads { .nothing }

  /// The maximum of each window clipped to the input (padding never wins);
  /// NaN propagates, as in PyTorch.
  func forwardPlane(
    _ geometry: PoolingGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    saved: UnsafeMutablePointer<Float>?
  ) {
    geometry.maxForward(x, y, argmax: saved!)
  }

  /// Each output gradient goes to its window's maximum.
  func backwardPlane(
    _ geometry: PoolingGeometry, _ dy: UnsafePointer<Float>, saved: UnsafePointer<Float>?,
    _ dx: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    geometry.maxBackward(dy, argmax: saved!, dx, accumulate: accumulate)
  }

  func forwardPlaneCall(x: String, y: String, saved: String?) -> String {
    "pooling.maxForward(\(x), \(y), argmax: \(saved!))"
  }

  func backwardPlaneCall(dy: String, saved: String?, dx: String, accumulate: Bool) -> String {
    "pooling.maxBackward(\(dy), argmax: \(saved!), \(dx), accumulate: \(accumulate))"
  }
}

extension MaxPool2D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let ceil = ceilMode ? ", ceil_mode=True" : ""
    return
      "F.max_pool2d(\(layer.x), \(TorchLayer.pair(kernel)), \(TorchLayer.pair(stride)), \(TorchLayer.pair(padding))\(ceil))"
  }
}

extension MaxPool2D: ONNXExportable {
  /// `MaxPool` (padding never wins, as in ONNX).
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add(
      "MaxPool", onnx.inputs, onnx.outputs,
      [
        .ints("kernel_shape", [kernel.0, kernel.1]), .ints("strides", [stride.0, stride.1]),
        .ints("pads", [padding.0, padding.1, padding.0, padding.1]), .int("ceil_mode", ceilMode ? 1 : 0),
      ])
  }
}
