import NetSpecKernels

/// A convolution with zero `padding` (`conv1d`, `conv2d`): explicit
/// (`[left, right]` in 1-d, per side `[ph, pw]` in 2-d) or `same` (the odd
/// one at the end, as PyTorch). Its shape rule, plane geometry, PyTorch form
/// and ONNX form come from here.
protocol PaddedConvolution: ConvolutionLayer {
  var padding: Padding { get }
}

extension PaddedConvolution {
  /// The padding `(top, left, bottom, right)` of a plane of spatial `sizes`
  /// (top and bottom 0 in 1-d).
  func planePaddings(_ sizes: [Int]) -> (top: Int, left: Int, bottom: Int, right: Int) {
    switch padding {
    case .explicit(let a, let b): return window.spatialRank == 1 ? (0, a, 0, b) : (a, b, a, b)
    case .same:
      let (height, width) = window.spatialRank == 1 ? (1, sizes[0]) : (sizes[0], sizes[1])
      let ph = ShapeRules.samePadding(
        input: height, kernel: window.kernel.0, stride: window.stride.0, dilation: window.dilation.0)
      let pw = ShapeRules.samePadding(
        input: width, kernel: window.kernel.1, stride: window.stride.1, dilation: window.dilation.1)
      return (ph.before, pw.before, ph.after, pw.after)
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let (channels, sizes) = try window.input(x)
    try checkGroups(channels: channels)
    let pads = planePaddings(sizes)
    let outputs = try window.outputs(
      sizes, pads: padding == .same ? nil : (window.axes((pads.top, pads.left)), window.axes((pads.bottom, pads.right)))
    )
    return try inference(x, channels: channels, outputSizes: outputs, transposed: false)
  }

  /// The convolution's geometry for per-sample shapes `[C, H, W]` ->
  /// `[F, oh, ow]`, or `[C, L]` -> `[F, L']` as planes of height 1.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let (x, y) = (shapes.inputs[0], shapes.outputs[0])
    let pads = planePaddings(Array(x.dropFirst()))
    return window.geometry(
      channels: x[0], input: Array(x.dropFirst()), output: Array(y.dropFirst()), pads: (pads.top, pads.left))
  }
}

extension PaddedConvolution {
  /// `nn.Conv1d` or `nn.Conv2d` with the padding on both ends or sides; an
  /// uneven padding (`[left, right]` in 1-d, or `same` with an even kernel or a
  /// stride) is an `F.pad` before it instead (the op's `torchModule`).
  func paddedModule(_ layer: TorchLayer) -> String {
    let pads = planePaddings(layer.inputTypes[0].shape.dropFirst(2).map { $0.staticValue ?? 0 })
    let even = pads.top == pads.bottom && pads.left == pads.right && pads.top + pads.left > 0
    return convolutionModule(
      "nn.Conv\(window.spatialRank)d", layer, padding: even ? ["padding=\(window.torch((pads.top, pads.left)))"] : [],
      transposed: false)
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let pads = planePaddings(layer.inputTypes[0].shape.dropFirst(2).map { $0.staticValue ?? 0 })
    let widths = window.spatialRank == 1 ? [pads.left, pads.right] : [pads.left, pads.right, pads.top, pads.bottom]
    let input =
      pads.top == pads.bottom && pads.left == pads.right
      ? layer.x : "F.pad(\(layer.x), (\(widths.map(String.init).joined(separator: ", "))))"
    return try layer.activation(activation, "\(layer.module)(\(input))")
  }
}

extension PaddedConvolution where Self: ONNXExportable {
  /// `Conv` with explicit pads (`same` resolved for the input's size, as the
  /// kernels do), then the fused activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let pads = planePaddings(onnx.inputTypes[0].shape.dropFirst(2).map { $0.staticValue! })
    try exportConvolution(
      onnx, "Conv", pads: window.axes((pads.top, pads.left)) + window.axes((pads.bottom, pads.right)))
  }
}
