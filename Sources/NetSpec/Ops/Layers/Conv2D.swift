import NetSpecDiagnostics
import NetSpecKernels

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

extension Conv2D: ExecutableOperator {
  public static let examples = [
    OpExample(["filters": .int(3), "kernel": .int(3)], inputs: [.batch(2, 5, 5)]),
    OpExample(
      ["filters": .int(4), "kernel": .int(3), "stride": .int(2), "padding": .int(1), "activation": .string("relu")],
      inputs: [.batch(2, 6, 7)]),
    OpExample(
      [
        "filters": .int(4), "kernel": examplePair(3, 2), "dilation": .int(2), "padding": .string("same"),
        "groups": .int(2), "bias": .bool(false), "activation": .string("tanh"),
      ], inputs: [.batch(4, 7, 6)]),
    OpExample(
      [
        "filters": .int(6), "kernel": .int(3), "stride": examplePair(1, 2), "padding": examplePair(2, 0),
        "groups": .int(3), "activation": .string("gelu"),
      ], inputs: [.batch(3, 5, 6)]),
    OpExample(
      [
        "filters": .int(2), "kernel": .int(4), "stride": .int(2), "padding": .string("same"),
        "activation": .string("sigmoid"),
      ],
      inputs: [.batch(1, 7, 8)]),
  ]

  /// The convolution's geometry for per-sample shapes `[C, H, W]` -> `[F, oh, ow]`.
  func geometry(_ shapes: OpShapes) -> ConvolutionGeometry {
    let x = shapes.inputs[0]
    let y = shapes.outputs[0]
    let pads = paddings(height: x[1], width: x[2])
    return ConvolutionGeometry(
      channels: x[0], height: x[1], width: x[2], kernel: kernel, stride: stride, dilation: dilation,
      padTop: pads.top, padLeft: pads.left, outputHeight: y[1], outputWidth: y[2])
  }

  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// Per sample: room for the im2col columns (`C * kh * kw` x `P` floats; only a
  /// block of samples' worth is used at a time), then the GEMM result (forward)
  /// or the output gradient (backward) in channel-major order (`F` x `P`), for `P`
  /// output positions.
  public func workspace(_ shapes: OpShapes) -> Int {
    let g = geometry(shapes)
    return (g.columnRows + filters) * g.outputPositions
  }

  /// The input for the weight gradient; the output only for an activation whose
  /// derivative is a function of it.
  public var backwardReads: BackwardReads {
    guard let activation, !activation.kernel.needsInput else { return .inputsOnly }
    return .all
  }

  /// Samples whose im2col columns fill about 512 KiB, so that the columns written by
  /// im2col are still in cache when the GEMM reads them (the whole batch's columns
  /// would spill to memory and back).
  func samplesPerBlock(_ g: ConvolutionGeometry) -> Int {
    max(1, (1 << 17) / max(1, g.columnRows * g.outputPositions))
  }

  /// Per block of samples: im2col, then per group one GEMM
  /// `Z[F, N * P] = W[F, C * kh * kw] * columns` with the bias (and ReLU) fused as a
  /// per-row epilogue; then `Z` is transposed to `[N, F, P]` through the activation,
  /// and each plane pooled by a fused pooling.
  public func forward(_ k: Kernel) {
    let g = geometry(k.shapes)
    let positions = k.batch * g.outputPositions
    let depth = g.columnRows / groups
    let groupFilters = filters / groups
    let columns = k.workspace!
    let product = columns + g.columnRows * positions
    let fusedReLU = activation == .relu
    for first in Swift.stride(from: 0, to: k.batch, by: samplesPerBlock(g)) {
      let samples = min(samplesPerBlock(g), k.batch - first)
      let blockPositions = samples * g.outputPositions
      g.im2col(k.inputs[0] + first * k.shapes.inputCount(0), batch: samples, into: columns, pool: k.pool)
      for group in 0..<groups {
        let epilogue = GEMMEpilogue(
          bias: bias ? .perRow(k.parameters[1] + group * groupFilters) : .none,
          activation: fusedReLU ? .relu : .identity)
        GEMM.sgemm(
          m: groupFilters, n: blockPositions, k: depth, a: k.parameters[0] + group * groupFilters * depth,
          lda: depth, b: columns + group * depth * blockPositions, ldb: blockPositions,
          c: product + group * groupFilters * positions + first * g.outputPositions, ldc: positions,
          epilogue: epilogue, pool: k.pool)
      }
    }
    let keepsPreActivation = activation?.kernel.needsInput == true
    let unfused = fusedReLU ? nil : activation?.kernel
    let planeSize = g.outputPositions
    k.pool.parallelRanges(k.batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      let product = k.workspace! + g.columnRows * positions
      for plane in planes {
        let (sample, filter) = plane.quotientAndRemainder(dividingBy: filters)
        let z = product + filter * positions + sample * planeSize
        let y = k.outputs[0] + plane * planeSize
        if keepsPreActivation {
          (k.saved[0] + plane * planeSize).update(from: z, count: planeSize)
        }
        if let unfused { unfused.forward(z, y, count: planeSize) } else { y.update(from: z, count: planeSize) }
        k.fusedPooling?.forward(plane: plane, y)
      }
    }
  }

  /// `dZ` in `[F, N * P]` order (through the activation's derivative; with a
  /// fused pooling, from the pooled gradient routed back onto the plane) and
  /// `db` = its row sums; then per block of samples and per group,
  /// `dW += dZ * columnsᵀ` (columns recomputed by im2col) and `dColumns = Wᵀ * dZ`,
  /// scattered onto `dX` by col2im.
  public func backward(_ k: Kernel) {
    let g = geometry(k.shapes)
    let positions = k.batch * g.outputPositions
    let depth = g.columnRows / groups
    let groupFilters = filters / groups
    let columns = k.workspace!
    let gradient = columns + g.columnRows * positions
    let planeSize = g.outputPositions
    let derivative = activation?.kernel
    k.pool.parallelRanges(k.batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      let gradient = k.workspace! + g.columnRows * positions
      for plane in planes {
        let (sample, filter) = plane.quotientAndRemainder(dividingBy: filters)
        let dz = gradient + filter * positions + sample * planeSize
        let dy: UnsafePointer<Float>
        if let pooling = k.fusedPooling {
          pooling.backward(plane: plane, into: dz)
          dy = UnsafePointer(dz)
        } else {
          dy = UnsafePointer(k.outputGradients[0] + plane * planeSize)
        }
        if let derivative {
          derivative.backward(
            input: derivative.needsInput ? k.saved[0] + plane * planeSize : nil,
            output: derivative.needsInput ? nil : k.outputs[0] + plane * planeSize, dy, dz, count: planeSize,
            accumulate: false)
        } else if dy != UnsafePointer(dz) {
          dz.update(from: dy, count: planeSize)
        }
      }
    }
    if bias, k.parameterGradients.count > 1, k.parameterGradients[1] != nil {
      for filter in 0..<filters {
        k.storeParameterGradient(1, filter, Reductions.sum(gradient + filter * positions, count: positions))
      }
    }
    let dW = k.parameterGradients[0]
    guard dW != nil || k.inputGradients[0] != nil else { return }
    for first in Swift.stride(from: 0, to: k.batch, by: samplesPerBlock(g)) {
      let samples = min(samplesPerBlock(g), k.batch - first)
      let blockPositions = samples * g.outputPositions
      let blockGradient = gradient + first * g.outputPositions
      if let dW {
        g.im2col(k.inputs[0] + first * k.shapes.inputCount(0), batch: samples, into: columns, pool: k.pool)
        for group in 0..<groups {
          GEMM.sgemm(
            transposeB: true, m: groupFilters, n: depth, k: blockPositions,
            a: blockGradient + group * groupFilters * positions, lda: positions,
            b: columns + group * depth * blockPositions, ldb: blockPositions,
            beta: first == 0 ? k.parameterBeta(0) : 1, c: dW + group * groupFilters * depth, ldc: depth, pool: k.pool)
        }
      }
      if let dX = k.inputGradients[0] {
        for group in 0..<groups {
          GEMM.sgemm(
            transposeA: true, m: depth, n: blockPositions, k: groupFilters,
            a: k.parameters[0] + group * groupFilters * depth, lda: depth,
            b: blockGradient + group * groupFilters * positions, ldb: positions,
            c: columns + group * depth * blockPositions, ldc: blockPositions, pool: k.pool)
        }
        g.col2im(
          columns, batch: samples, into: dX + first * k.shapes.inputCount(0), accumulate: k.accumulateInput[0],
          pool: k.pool)
      }
    }
  }
}

/// `[a, b]` as an attribute value, for the examples' pair attributes.
private func examplePair(_ a: Int, _ b: Int) -> SpecValue.Kind {
  let span = SourceSpan(file: SourceFile(path: "<example>", text: ""), from: 0, to: 0)
  return .list([SpecValue(.int(a), span: span), SpecValue(.int(b), span: span)])
}

extension Conv2D: EmittableOperator {
  /// The geometry as a Swift expression.
  private func geometryLiteral(_ g: ConvolutionGeometry) -> String {
    "ConvolutionGeometry(channels: \(g.channels), height: \(g.height), width: \(g.width), "
      + "kernel: (\(g.kernelHeight), \(g.kernelWidth)), stride: (\(g.strideHeight), \(g.strideWidth)), "
      + "dilation: (\(g.dilationHeight), \(g.dilationWidth)), padTop: \(g.padTop), padLeft: \(g.padLeft), "
      + "outputHeight: \(g.outputHeight), outputWidth: \(g.outputWidth))"
  }

  /// As the interpreter: per block of samples, im2col and per group one GEMM
  /// with the bias (and ReLU) fused; then `[F, N * P]` to `[N, F, P]` through
  /// the activation.
  /// The direct backward pass for convolutions with few taps per output, if it applies.
  private func direct(_ g: ConvolutionGeometry) -> DirectConvolutionEmission? {
    guard DirectConvolutionEmission.applies(g, groups: groups) else { return nil }
    return DirectConvolutionEmission(geometry: g, filters: filters, bias: bias, activation: activation?.kernel)
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    let (positions, depth, groupFilters) = (g.outputPositions, g.columnRows / groups, filters / groups)
    let block = samplesPerBlock(g)
    let fusedReLU = activation == .relu
    code.line("let geometry = \(geometryLiteral(g))")
    code.line("let columns = \(s.workspace)")
    code.line("let product = columns + n * \(g.columnRows * positions)")
    code.block("for first in stride(from: 0, to: n, by: \(block))") { code in
      code.line("let samples = min(\(block), n - first)")
      code.line(
        "geometry.im2col(\(s.input(0)) + first * \(s.shapes.inputCount(0)), batch: samples, into: columns, pool: pool)")
      for group in 0..<groups {
        let bias = bias ? ".perRow(\(s.parameter(1))\(group == 0 ? "" : " + \(group * groupFilters)"))" : ".none"
        code.line("GEMM.sgemm(")
        code.line(
          "  m: \(groupFilters), n: samples * \(positions), k: \(depth), a: \(s.parameter(0))\(group == 0 ? "" : " + \(group * groupFilters * depth)"), lda: \(depth),"
        )
        code.line(
          "  b: columns\(group == 0 ? "" : " + \(group * depth) * samples * \(positions)"), ldb: samples * \(positions),"
        )
        code.line(
          "  c: product + \(group * groupFilters == 0 ? "" : "\(group * groupFilters) * n * \(positions) + ")first * \(positions), ldc: n * \(positions),"
        )
        code.line(
          "  epilogue: GEMMEpilogue(bias: \(bias), activation: \(fusedReLU ? ".relu" : ".identity")), pool: pool)")
      }
    }
    let keepsPreActivation = activation?.kernel.needsInput == true
    let unfused = fusedReLU ? nil : activation?.kernel
    let pooling = s.fusedPooling
    code.line(
      "// [F, N * P] -> [N, F, P]\(unfused == nil ? "" : " through the activation")\(pooling == nil ? "" : ", then pooled")"
    )
    code.closure("pool.parallelRanges(n * \(filters), grain: \(max(1, 16_384 / positions))) { planes in") { code in
      code.line("let product = \(s.workspace) + n * \(g.columnRows * positions)")
      pooling?.declareGeometry(&code)
      code.block("for plane in planes") { code in
        code.line("let (sample, filter) = plane.quotientAndRemainder(dividingBy: \(filters))")
        code.line("let z = product + filter * n * \(positions) + sample * \(positions)")
        code.line("let y = \(s.output(0)) + plane * \(positions)")
        if keepsPreActivation {
          code.line("(\(s.saved(0)) + plane * \(positions)).update(from: z, count: \(positions))")
        }
        if let unfused {
          code.line("ActivationKernel\(unfused.swiftLiteral).forward(z, y, count: \(positions))")
        } else {
          code.line("y.update(from: z, count: \(positions))")
        }
        if let pooling { code.line(pooling.forward(x: "y")) }
      }
    }
  }

  /// Statements writing plane `plane` of `dZ` at `dz`: the output gradient
  /// through the activation's derivative; with a fused pooling, the pooled
  /// gradient routed back onto the plane first, then the derivative in place.
  static func emitPreActivationGradient(
    _ s: StepEmission, activation: ActivationKernel?, positions: Int, dz: String, _ code: inout SwiftWriter
  ) {
    let dy: String
    if let pooling = s.fusedPooling {
      code.line(pooling.backward(into: dz))
      dy = dz
    } else {
      dy = "\(s.outputGradient(0)) + plane * \(positions)"
      if activation == nil { code.line("\(dz).update(from: \(dy), count: \(positions))") }
    }
    guard let activation else { return }
    let input = activation.needsInput ? "\(s.saved(0)) + plane * \(positions)" : "nil"
    let output = activation.needsInput ? "nil" : "\(s.output(0)) + plane * \(positions)"
    code.line(
      "ActivationKernel\(activation.swiftLiteral).backward(input: \(input), output: \(output), \(dy), \(dz), count: \(positions), accumulate: false)"
    )
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    if let direct = direct(g) { return direct.emitBackward(s, &code) }
    let (positions, depth, groupFilters) = (g.outputPositions, g.columnRows / groups, filters / groups)
    let block = samplesPerBlock(g)
    let derivative = activation?.kernel
    code.line("let geometry = \(geometryLiteral(g))")
    code.line("let columns = \(s.workspace)")
    code.line("let gradient = columns + n * \(g.columnRows * positions)")
    code.line(
      "// dZ in [F, N * P] order\(s.fusedPooling == nil ? "" : ", from the pooled gradient")\(derivative == nil ? "" : ", through the activation's derivative")"
    )
    code.closure("pool.parallelRanges(n * \(filters), grain: \(max(1, 16_384 / positions))) { planes in") { code in
      code.line("let gradient = \(s.workspace) + n * \(g.columnRows * positions)")
      s.fusedPooling?.declareGeometry(&code)
      code.block("for plane in planes") { code in
        code.line("let (sample, filter) = plane.quotientAndRemainder(dividingBy: \(filters))")
        code.line("let dz = gradient + filter * n * \(positions) + sample * \(positions)")
        Self.emitPreActivationGradient(s, activation: derivative, positions: positions, dz: "dz", &code)
      }
    }
    if bias, let db = s.parameterGradient(1) {
      code.line("// db = row sums of dZ")
      code.block("for filter in 0..<\(filters)") { code in
        code.line(
          "(\(db))[filter] \(s.accumulatesParameter(1) ? "+=" : "=") Reductions.sum(gradient + filter * n * \(positions), count: n * \(positions))"
        )
      }
    }
    let dw = s.parameterGradient(0)
    let dx = s.inputGradient(0)
    guard dw != nil || dx != nil else { return }
    code.block("for first in stride(from: 0, to: n, by: \(block))") { code in
      code.line("let samples = min(\(block), n - first)")
      code.line("let blockGradient = gradient + first * \(positions)")
      if let dw {
        code.line("// dW += dZ columnsᵀ")
        code.line(
          "geometry.im2col(\(s.input(0)) + first * \(s.shapes.inputCount(0)), batch: samples, into: columns, pool: pool)"
        )
        for group in 0..<groups {
          code.line("GEMM.sgemm(")
          code.line(
            "  transposeB: true, m: \(groupFilters), n: \(depth), k: samples * \(positions), a: blockGradient\(group == 0 ? "" : " + \(group * groupFilters) * n * \(positions)"), lda: n * \(positions),"
          )
          code.line(
            "  b: columns\(group == 0 ? "" : " + \(group * depth) * samples * \(positions)"), ldb: samples * \(positions), beta: first == 0 ? \(s.parameterBeta(0)) : 1,"
          )
          code.line("  c: \(dw)\(group == 0 ? "" : " + \(group * groupFilters * depth)"), ldc: \(depth), pool: pool)")
        }
      }
      if let dx {
        code.line("// dColumns = Wᵀ dZ, scattered onto dX")
        for group in 0..<groups {
          code.line("GEMM.sgemm(")
          code.line(
            "  transposeA: true, m: \(depth), n: samples * \(positions), k: \(groupFilters), a: \(s.parameter(0))\(group == 0 ? "" : " + \(group * groupFilters * depth)"), lda: \(depth),"
          )
          code.line(
            "  b: blockGradient\(group == 0 ? "" : " + \(group * groupFilters) * n * \(positions)"), ldb: n * \(positions),"
          )
          code.line(
            "  c: columns\(group == 0 ? "" : " + \(group * depth) * samples * \(positions)"), ldc: samples * \(positions), pool: pool)"
          )
        }
        code.line(
          "geometry.col2im(columns, batch: samples, into: \(dx) + first * \(s.shapes.inputCount(0)), accumulate: \(s.accumulatesInput(0)), pool: pool)"
        )
      }
    }
  }
}
