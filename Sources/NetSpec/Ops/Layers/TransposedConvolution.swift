import NetSpecKernels

/// A transposed convolution (`conv_transpose1d`, `conv_transpose2d`): its
/// shape rule, its execution (both run ``TransposedConvolutionKernels`` on the
/// geometry of the convolution they transpose, height 1 for 1-d) and its
/// PyTorch and ONNX forms.
protocol TransposedConvolution: ConvolutionLayer, EmittableOperator {
  /// Positions removed from each side of the full output, `(height, width)`
  /// (height 0 in 1-d).
  var padding: (Int, Int) { get }
  /// Positions added after the last window, `(height, width)`.
  var outputPadding: (Int, Int) { get }
}

extension TransposedConvolution {
  /// `padding` and `output_padding` (per end in 1-d, per side in 2-d) from
  /// checked attributes.
  static func paddingAttributes(
    _ attributes: Attributes, spatialRank: Int
  ) -> (padding: (Int, Int), outputPadding: (Int, Int)) {
    (
      ConvolutionWindow.pair(attributes, "padding", spatialRank: spatialRank, height: 0),
      ConvolutionWindow.pair(attributes, "output_padding", spatialRank: spatialRank, height: 0)
    )
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let (channels, sizes) = try window.input(x)
    let outputs = try window.transposedOutputs(sizes, padding: padding, outputPadding: outputPadding)
    try checkGroups(channels: channels)
    return try inference(x, channels: channels, outputSizes: outputs, transposed: true)
  }

  /// The convolution from the output `[F, oh, ow]` back to the input
  /// `[C, H, W]` (`[F, L']` to `[C, L]` as planes of height 1).
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let (x, y) = (shapes.inputs[0], shapes.outputs[0])
    return window.geometry(
      channels: y[0], input: Array(y.dropFirst()), output: Array(x.dropFirst()), pads: (padding.0, padding.1))
  }

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

extension TransposedConvolution {
  /// `nn.ConvTranspose1d` or `nn.ConvTranspose2d` with every attribute that is
  /// not PyTorch's default (the op's `torchModule`).
  func transposedModule(_ layer: TorchLayer) -> String {
    var padding: [String] = []
    if self.padding != (0, 0) { padding.append("padding=\(window.torch(self.padding))") }
    if outputPadding != (0, 0) { padding.append("output_padding=\(window.torch(outputPadding))") }
    return convolutionModule("nn.ConvTranspose\(window.spatialRank)d", layer, padding: padding, transposed: true)
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    try layer.activation(activation, "\(layer.module)(\(layer.x))")
  }
}

extension TransposedConvolution where Self: ONNXExportable {
  /// `ConvTranspose` with symmetric pads and `output_padding`, then the fused
  /// activation as its own nodes.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    try exportConvolution(
      onnx, "ConvTranspose", pads: window.axes(padding) + window.axes(padding),
      extra: [.ints("output_padding", window.axes(outputPadding))])
  }
}
