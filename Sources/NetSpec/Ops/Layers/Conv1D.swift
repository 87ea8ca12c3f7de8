import NetSpecDiagnostics
import NetSpecKernels

/// 1-D convolution over `[N, C, L]` (PyTorch's `Conv1d`): ``ConvolutionKernels``
/// with a height of 1. `padding: [left, right]` pads the two ends differently;
/// `padding: [k - 1, 0]` (times the dilation) makes it causal, as WaveNet's.
public struct Conv1D: Operator {
  public static let schema = OpSchema(
    name: "conv1d", category: .layer,
    summary: "1-D convolution over [N, C, L] inputs.",
    attributes: ConvolutionWindow.attributes(
      spatialRank: 1, transposed: false,
      padding: [
        .default(
          "padding", .padding, .int(0),
          "zero padding per end, `[left, right]` (causal: `[dilation * (kernel - 1), 0]`), `same` or `valid`")
      ]))

  /// Kernel, stride and dilation, of height 1.
  public let window: ConvolutionWindow
  public let filters: Int
  public let padding: Padding
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    window = ConvolutionWindow(attributes, spatialRank: 1)
    padding = attributes.padding()
    (filters, groups, bias, activation) = Self.channelAttributes(attributes)
  }
}

extension Conv1D: PaddedConvolution, ExecutableOperator {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(3)], inputs: [.batch(2, 6)]),
    OpExample(
      ["filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "activation": .string("tanh")],
      inputs: [.batch(2, 7)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .int(2), "dilation": .int(2), "padding": .exampleInts([2, 0]),
        "groups": .int(2), "bias": .bool(false), "activation": .string("gelu"),
      ], inputs: [.batch(4, 6)]),
    OpExample(
      ["filters": .int(2), "kernel": .int(4), "stride": .int(2), "padding": .string("same")], inputs: [.batch(3, 7)]
    ),
  ]

  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// What the forward path for these shapes reads
  /// (``ConvolutionKernels/forwardWorkspace(_:filters:groups:)``): nothing for
  /// the direct and implicit-GEMM paths.
  public func workspace(_ shapes: OpShapes) -> Int {
    ConvolutionKernels.forwardWorkspace(geometry(shapes), filters: filters, groups: groups)
  }

  /// What the backward pass reads (``ConvolutionKernels/backwardWorkspace(_:filters:groups:variant:)``),
  /// for the interpreter's variant and emitted code's alike (one plan serves both).
  public func backwardWorkspace(_ shapes: OpShapes) -> Int {
    let g = geometry(shapes)
    return [false, true].map {
      ConvolutionKernels.backwardWorkspace(
        g, filters: filters, groups: groups, variant: variant(g, constantGeometry: $0))
    }.max()!
  }

  /// The input for the weight gradient; the output only for an activation whose
  /// derivative is a function of it.
  public var backwardReads: BackwardReads {
    guard let activation, !activation.kernel.needsInput else { return .inputsOnly }
    return .all
  }

  /// The backward algorithm for these shapes (``ConvolutionVariant``), as for `conv2d`.
  func variant(_ g: ConvolutionGeometry, constantGeometry: Bool) -> ConvolutionVariant {
    ConvolutionVariant(g, groups: groups, constantGeometry: constantGeometry)
  }

  public func forward(_ k: Kernel) {
    ConvolutionKernels.forward(
      y: k.outputs[0], preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil,
      workspace: k.workspace, x: k.inputs[0], weight: k.parameters[0], bias: bias ? k.parameters[1] : nil,
      batch: k.batch, geometry: geometry(k.shapes), filters: filters, groups: groups,
      activation: activation?.kernel, pool: k.pool)
  }

  public func backward(_ k: Kernel) {
    let g = geometry(k.shapes)
    ConvolutionKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: bias ? k.parameterGradients[1] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], y: k.outputs[0],
      preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil, dy: k.outputGradients[0],
      batch: k.batch, geometry: g, filters: filters, groups: groups, activation: activation?.kernel,
      variant: variant(g, constantGeometry: false), accumulateInput: k.accumulateInput[0],
      accumulateWeight: k.accumulateParameter[0], accumulateBias: bias && k.accumulateParameter[1], pool: k.pool)
  }
}

extension Conv1D: EmittableOperator {
  /// `ConvolutionGeometry(...)` with the step's literal geometry.
  private func literal(_ g: ConvolutionGeometry) -> String {
    "ConvolutionGeometry(channels: \(g.channels), height: 1, width: \(g.width), kernel: (1, \(g.kernelWidth)), "
      + "stride: (1, \(g.strideWidth)), dilation: (1, \(g.dilationWidth)), padTop: 0, padLeft: \(g.padLeft), "
      + "outputHeight: 1, outputWidth: \(g.outputWidth))"
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.line("let geometry = \(literal(geometry(s.shapes)))")
    code.call(
      "ConvolutionKernels.forward",
      [
        "y": s.output(0), "preActivation": activation?.kernel.needsInput == true ? s.saved(0) : "nil",
        "workspace": s.workspaceIfAny, "x": s.input(0), "weight": s.parameter(0), "bias": bias ? s.parameter(1) : "nil",
        "batch": "n", "geometry": "geometry", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil", "pool": "pool",
      ])
  }

  /// The backward kernel, specialized for a local ``ConvolutionShape`` whose
  /// geometry is a literal, with the variant for these shapes.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), bias ? s.parameterGradient(1) : nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    code.block("struct Shape: ConvolutionShape") { code in
      code.line("var geometry: ConvolutionGeometry { \(literal(g)) }")
    }
    let needsInput = activation?.kernel.needsInput == true
    code.call(
      "ConvolutionKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "workspace": s.workspace,
        "x": s.input(0), "weight": s.parameter(0), "y": activation != nil && !needsInput ? s.output(0) : "nil",
        "preActivation": needsInput ? s.saved(0) : "nil", "dy": s.outputGradient(0),
        "batch": "n", "geometry": "Shape()", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil",
        "variant": variant(g, constantGeometry: true).swiftLiteral,
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "accumulateBias": "\(bias && s.accumulatesParameter(1))", "pool": "pool",
      ])
  }
}

extension Conv1D: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { paddedModule(layer) }
}

extension Conv1D: ONNXExportable {}
