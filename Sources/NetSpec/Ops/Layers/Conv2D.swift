import NetSpecDiagnostics
import NetSpecKernels

/// 2-D convolution over `[N, C, H, W]` (cross-correlation, as every framework).
public struct Conv2D: Operator {
  public static let schema = OpSchema(
    name: "conv2d", category: .layer,
    summary: "2-D convolution over [N, C, H, W] inputs.",
    attributes: ConvolutionWindow.attributes(
      spatialRank: 2, transposed: false,
      padding: [.default("padding", .padding, .int(0), "zero padding per side, or `same` / `valid`")]))

  /// Kernel, stride and dilation per axis.
  public let window: ConvolutionWindow
  public let filters: Int
  public let padding: Padding
  public let groups: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    window = ConvolutionWindow(attributes, spatialRank: 2)
    padding = attributes.padding()
    (filters, groups, bias, activation) = Self.channelAttributes(attributes)
  }

  /// Per-side padding `(top, left, bottom, right)` used for an input of
  /// `height` x `width`.
  public func paddings(height: Int, width: Int) -> (top: Int, left: Int, bottom: Int, right: Int) {
    planePaddings([height, width])
  }
}

extension Conv2D: PaddedConvolution, ExecutableOperator {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(3)], inputs: [.batch(2, 5, 5)]),
    OpExample(
      ["filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "activation": .string("relu")],
      inputs: [.batch(2, 6, 7)]),
    OpExample(
      [
        "filters": .int(4), "kernel": .exampleInts([3, 2]), "dilation": .int(2), "padding": .string("same"),
        "groups": .int(2), "bias": .bool(false), "activation": .string("tanh"),
      ], inputs: [.batch(4, 7, 6)]),
    OpExample(
      [
        "filters": .int(6), "kernel": .int(3), "stride": .exampleInts([1, 2]), "padding": .exampleInts([2, 0]),
        "groups": .int(3), "activation": .string("gelu"),
      ], inputs: [.batch(3, 5, 6)]),
    OpExample(
      [
        "filters": .int(2), "kernel": .int(4), "stride": .int(2), "padding": .string("same"),
        "activation": .string("sigmoid"),
      ],
      inputs: [.batch(1, 7, 8)]),
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

  /// The backward pass's algorithm for these shapes, in the interpreter
  /// (`constantGeometry: false`) or in emitted code (`true`, where the shape
  /// is a literal type): the one decision both backends follow.
  func variant(_ g: ConvolutionGeometry, constantGeometry: Bool) -> ConvolutionVariant {
    ConvolutionVariant(g, groups: groups, constantGeometry: constantGeometry)
  }

  /// im2col + GEMM with the bias (and ReLU) fused, then the activation and a
  /// fused pooling plane by plane (``ConvolutionKernels``); with a folded
  /// batchnorm, in an inference pass, the same on weights and bias folded
  /// first, with the activation after the batchnorm.
  public func forward(_ k: Kernel) {
    if let folded = k.foldedNormalization, k.inference {
      folded.fold(
        weight: k.parameters[0], bias: bias ? k.parameters[1] : nil, filters: filters,
        perFilter: k.shapes.parameters[0].dropFirst().reduce(1, *))
      ConvolutionKernels.forward(
        y: folded.output ?? k.outputs[0], preActivation: nil, workspace: k.workspace, x: k.inputs[0],
        weight: folded.weight, bias: folded.bias, batch: k.batch, geometry: geometry(k.shapes), filters: filters,
        groups: groups, activation: folded.activation, pool: k.pool)
      return
    }
    ConvolutionKernels.forward(
      y: k.outputs[0], preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil,
      workspace: k.workspace, x: k.inputs[0], weight: k.parameters[0], bias: bias ? k.parameters[1] : nil,
      batch: k.batch, geometry: geometry(k.shapes), filters: filters, groups: groups,
      activation: activation?.kernel, pool: k.pool
    ) { plane, y in k.fusedPooling?.forward(plane: plane, y) }
  }

  /// `dZ` through the activation's derivative (from the pooled gradient with a
  /// fused pooling), then `db`, `dW` and `dX` by the step's ``variant(_:)``.
  public func backward(_ k: Kernel) {
    let g = geometry(k.shapes)
    ConvolutionKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: bias ? k.parameterGradients[1] : nil,
      workspace: k.workspace!, x: k.inputs[0], weight: k.parameters[0], y: k.outputs[0],
      preActivation: activation?.kernel.needsInput == true ? k.saved[0] : nil,
      dy: k.fusedPooling == nil ? k.outputGradients[0] : nil, batch: k.batch, geometry: g, filters: filters,
      groups: groups, activation: activation?.kernel, variant: variant(g, constantGeometry: false),
      accumulateInput: k.accumulateInput[0],
      accumulateWeight: k.accumulateParameter[0], accumulateBias: bias && k.accumulateParameter[1], pool: k.pool
    ) { plane, dz in k.fusedPooling?.backward(plane: plane, into: dz) }
  }
}

extension Conv2D: EmittableOperator {
  /// `ConvolutionGeometry(...)` with the step's literal geometry.
  private func literal(_ g: ConvolutionGeometry) -> String {
    "ConvolutionGeometry(channels: \(g.channels), height: \(g.height), width: \(g.width), "
      + "kernel: (\(g.kernelHeight), \(g.kernelWidth)), stride: (\(g.strideHeight), \(g.strideWidth)), "
      + "dilation: (\(g.dilationHeight), \(g.dilationWidth)), padTop: \(g.padTop), padLeft: \(g.padLeft), "
      + "outputHeight: \(g.outputHeight), outputWidth: \(g.outputWidth))"
  }

  /// `let geometry = ConvolutionGeometry(...)` with the step's literal geometry.
  private func declareGeometry(_ g: ConvolutionGeometry, _ code: inout SwiftWriter) {
    code.line("let geometry = \(literal(g))")
  }

  /// A local type whose `geometry` is the step's literal geometry
  /// (``ConvolutionShape``): the backward kernel, specialized for it, sees
  /// constants inside the loops it runs on the thread pool.
  private func declareShape(_ g: ConvolutionGeometry, _ code: inout SwiftWriter) {
    code.block("struct Shape: ConvolutionShape") { code in
      code.line("var geometry: ConvolutionGeometry { \(literal(g)) }")
    }
  }

  /// One call to the forward kernel; a fused pooling becomes its plane
  /// epilogue. A folded batchnorm is a fold and a call on the folded weights,
  /// in a training plan for inference passes only.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    declareGeometry(geometry(s.shapes), &code)
    if let folded = s.foldedNormalization {
      let foldedPass = { (code: inout SwiftWriter) in
        folded.fold(
          &code, weight: s.parameter(0), bias: bias ? s.parameter(1) : "nil", filters: filters,
          perFilter: s.shapes.parameters[0].dropFirst().reduce(1, *))
        code.call(
          "ConvolutionKernels.forward",
          [
            "y": folded.output ?? s.output(0), "preActivation": "nil", "workspace": s.workspaceIfAny, "x": s.input(0),
            "weight": folded.weight, "bias": folded.bias, "batch": "n", "geometry": "geometry",
            "filters": "\(filters)", "groups": "\(groups)", "activation": folded.activation?.swiftLiteral ?? "nil",
            "pool": "pool",
          ])
      }
      guard folded.output != nil else { return foldedPass(&code) }
      code.block("if inference") { code in
        foldedPass(&code)
        code.line("return")
      }
    }
    let pooling = s.fusedPooling
    code.call(
      "ConvolutionKernels.forward",
      [
        "y": s.output(0), "preActivation": activation?.kernel.needsInput == true ? s.saved(0) : "nil",
        "workspace": s.workspaceIfAny, "x": s.input(0), "weight": s.parameter(0), "bias": bias ? s.parameter(1) : "nil",
        "batch": "n", "geometry": "geometry", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil", "pool": "pool",
      ], trailing: pooling.map { _ in "{ plane, y in" }
    ) { code in
      pooling?.declareGeometry(&code)
      if let pooling { code.line(pooling.forward(x: "y")) }
    }
  }

  /// One call to the backward kernel with the variant for these shapes; a
  /// fused pooling routes its gradient onto each plane in a trailing closure.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), bias ? s.parameterGradient(1) : nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    declareShape(g, &code)
    let pooling = s.fusedPooling
    let needsInput = activation?.kernel.needsInput == true
    code.call(
      "ConvolutionKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "workspace": s.workspace,
        "x": s.input(0), "weight": s.parameter(0), "y": activation != nil && !needsInput ? s.output(0) : "nil",
        "preActivation": needsInput ? s.saved(0) : "nil", "dy": pooling == nil ? s.outputGradient(0) : "nil",
        "batch": "n", "geometry": "Shape()", "filters": "\(filters)", "groups": "\(groups)",
        "activation": activation?.kernel.swiftLiteral ?? "nil",
        "variant": variant(g, constantGeometry: true).swiftLiteral,
        "accumulateInput": "\(s.accumulatesInput(0))", "accumulateWeight": "\(s.accumulatesParameter(0))",
        "accumulateBias": "\(bias && s.accumulatesParameter(1))", "pool": "pool",
      ], trailing: pooling.map { _ in "{ plane, dz in" }
    ) { code in
      pooling?.declareGeometry(&code)
      if let pooling { code.line(pooling.backward(into: "dz")) }
    }
  }
}

extension Conv2D: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { paddedModule(layer) }
}

extension Conv2D: ONNXExportable {}
