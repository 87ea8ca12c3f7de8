import NetSpecKernels

/// Max pooling (`maxpool1d`, `maxpool2d`): padded positions count as -infinity,
/// so they never win; each output gradient goes to its window's maximum, whose
/// index within the input plane (`ih * W + iw`) the forward pass saves as a
/// Float (exact for planes below 2^24 positions). NaN propagates, as in PyTorch.
protocol MaxPlanePooling: PlanePooling {}

extension MaxPlanePooling {
  /// The index of each output's maximum within its input plane.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.outputCount(0)] }

  /// The gradient is routed through the saved indices alone.
  public var backwardReads: BackwardReads { .nothing }

  func forwardPlane(
    _ geometry: PoolingGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    saved: UnsafeMutablePointer<Float>?
  ) {
    geometry.maxForward(x, y, argmax: saved!)
  }

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

  /// `F.max_pool1d` / `F.max_pool2d`.
  func torchPooling(_ layer: TorchLayer) -> String {
    "F.max_pool\(window.spatialRank)d(\(layer.x), \(window.torchArguments))"
  }

  /// `MaxPool` (padding never wins, as in ONNX).
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("MaxPool", onnx.inputs, onnx.outputs, window.onnxAttributes)
  }
}

/// Average pooling (`avgpool1d`, `avgpool2d`): padded positions are zeros and,
/// with `count_include_pad` (PyTorch's default), count in the divisor, which is
/// then always the kernel size; each output gradient is spread evenly over its
/// window.
protocol AveragePlanePooling: PlanePooling {
  var countIncludePad: Bool { get }
}

extension AveragePlanePooling {
  /// `count_include_pad`, between the window's padding and `ceil_mode`.
  static func averageAttributes(spatialRank: Int) -> [AttributeSpec] {
    PoolingWindow.attributes(
      spatialRank: spatialRank, fill: "zero",
      extra: [
        .default(
          "count_include_pad", .bool, .bool(true),
          "divide by the kernel \(spatialRank == 1 ? "size" : "area") even where the window covers padding")
      ])
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

  /// `F.avg_pool1d` / `F.avg_pool2d`.
  func torchPooling(_ layer: TorchLayer) -> String {
    let include = countIncludePad ? "" : ", count_include_pad=False"
    return "F.avg_pool\(window.spatialRank)d(\(layer.x), \(window.torchArguments)\(include))"
  }

  /// `AveragePool` with `count_include_pad`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add(
      "AveragePool", onnx.inputs, onnx.outputs,
      window.onnxAttributes + [.int("count_include_pad", countIncludePad ? 1 : 0)])
  }
}
