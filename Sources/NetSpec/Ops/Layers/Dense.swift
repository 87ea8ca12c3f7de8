import NetSpecKernels

/// A fully connected layer: `y = x W^T + b` over the last axis.
/// Weight layout `[units, in]` (as PyTorch), so it can be tied to an embedding.
public struct Dense: Operator {
  public static let schema = OpSchema(
    name: "dense", category: .layer,
    summary: "Fully connected layer over the last axis: y = x W^T + b.",
    attributes: [
      .required("units", .int(1...Dim.limit), "number of output features"),
      .default("bias", .bool, .bool(true), "add a learned bias"),
      Activation.attribute,
    ],
    primary: "units")

  public let units: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    units = attributes.int("units")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    _ = try ShapeRules.parameterCount([units, features])
    var parameters = [ParameterSpec("weight", [units, features], .fanIn(features))]
    if bias { parameters.append(ParameterSpec("bias", [units], .fanIn(features))) }
    let output = TensorType(Array(x.shape.dropLast()) + [Dim(units)])
    let rows = try ShapeRules.product(Array(x.shape.dropLast()), what: "batch size")
    let flops = try ShapeRules.multiply(rows, Dim(2 * features * units))
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}

extension Dense: ExecutableOperator {
  public static let examples = [
    OpExample(["units": .int(3)], inputs: [.batch(4)]),
    OpExample(["units": .int(5), "activation": .string("tanh")], inputs: [.batch(2, 3)]),
    OpExample(["units": .int(2), "activation": .string("relu"), "bias": .bool(false)], inputs: [.batch(6)]),
    OpExample(["units": .int(3), "activation": .string("gelu")], inputs: [.batch(4)]),
    OpExample(["units": .int(3), "activation": .string("sigmoid")], inputs: [.batch(4)]),
  ]

  /// GELU's derivative needs the pre-activation, kept from the forward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    activation?.kernel.needsInput == true ? [shapes.outputCount(0)] : []
  }

  /// The backward pass forms dZ = dY * f'(Z) here when there is an activation.
  public func workspace(_ shapes: OpShapes) -> Int {
    activation == nil ? 0 : shapes.outputCount(0)
  }

  public func forward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    let rows = k.batch * k.shapes.inputCount(0) / features
    let fusedReLU = activation == .relu
    let epilogue = GEMMEpilogue(
      bias: bias ? .perColumn(k.parameters[1]) : .none, activation: fusedReLU ? .relu : .identity)
    let preActivation = savedState(k.shapes).isEmpty ? k.outputs[0] : k.saved[0]
    GEMM.sgemm(
      transposeB: true, m: rows, n: units, k: features, a: k.inputs[0], lda: features, b: k.parameters[0],
      ldb: features, c: preActivation, ldc: units, epilogue: epilogue, pool: k.pool)
    if let activation, !fusedReLU {
      activation.kernel.forward(preActivation, k.outputs[0], count: rows * units)
    }
  }

  public func backward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    let rows = k.batch * k.shapes.inputCount(0) / features
    var dz = k.outputGradients[0]
    if let activation, !k.outputGradientMasked {
      dz = k.workspace!
      activation.kernel.backward(
        input: savedState(k.shapes).isEmpty ? nil : k.saved[0], output: k.outputs[0], k.outputGradients[0], dz,
        count: rows * units, accumulate: false)
    }
    if k.inputGradients[0] != nil {
      let mask = k.inputGradientMask.map {
        GEMMEpilogue(bias: .none, activation: .reluGradient(input: $0, ld: features))
      }
      GEMM.sgemm(
        m: rows, n: features, k: units, a: dz, lda: units, b: k.parameters[0], ldb: features,
        beta: k.inputBeta(0), c: k.inputGradients[0]!, ldc: features, epilogue: mask ?? .none, pool: k.pool)
    }
    if let dW = k.parameterGradients[0] {
      GEMM.sgemm(
        transposeA: true, m: units, n: features, k: rows, a: dz, lda: units, b: k.inputs[0], ldb: features,
        beta: k.parameterBeta(0), c: dW, ldc: features, pool: k.pool)
    }
    if bias, k.parameterGradients.count > 1, let db = k.parameterGradients[1] {
      BiasGradient.columnSums(dz, rows: rows, columns: units, into: db, accumulate: k.accumulateParameter[1])
    }
  }
}

extension Dense: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    let rows = StepEmission.rows(s.shapes.inputCount(0) / features)
    let fusedReLU = activation == .relu
    let preActivation = savedState(s.shapes).isEmpty ? s.output(0) : s.saved(0)
    let epilogue =
      bias || fusedReLU
      ? ", epilogue: GEMMEpilogue(bias: \(bias ? ".perColumn(\(s.parameter(1)))" : ".none"), activation: \(fusedReLU ? ".relu" : ".identity"))"
      : ""
    code.line("GEMM.sgemm(")
    code.line("  transposeB: true, m: \(rows), n: \(units), k: \(features), a: \(s.input(0)), lda: \(features),")
    code.line("  b: \(s.parameter(0)), ldb: \(features), c: \(preActivation), ldc: \(units)\(epilogue), pool: pool)")
    if let activation, !fusedReLU {
      code.line(
        "ActivationKernel\(activation.kernel.swiftLiteral).forward(\(preActivation), \(s.output(0)), count: \(rows) * \(units))"
      )
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let features = s.shapes.inputs[0].last!
    let rows = StepEmission.rows(s.shapes.inputCount(0) / features)
    var dz = s.outputGradient(0)
    if s.step.outputGradientMasked {
      code.line("// dZ = dY: the consumer's dX GEMM applied the ReLU mask")
    } else if let activation {
      dz = s.workspace
      let input = savedState(s.shapes).isEmpty ? "nil" : s.saved(0)
      code.line("// dZ = dY * f'(Z)")
      code.line(
        "ActivationKernel\(activation.kernel.swiftLiteral).backward(input: \(input), output: \(s.output(0)), \(s.outputGradient(0)), \(dz), count: \(rows) * \(units), accumulate: false)"
      )
    }
    if let dx = s.inputGradient(0) {
      var epilogue = ""
      if let mask = s.inputGradientMask {
        code.line("// dX = dZ W, masked by the producer's ReLU: its pre-activation gradient")
        epilogue = ", epilogue: GEMMEpilogue(bias: .none, activation: .reluGradient(input: \(mask), ld: \(features)))"
      } else {
        code.line("// dX = dZ W")
      }
      code.line(
        "GEMM.sgemm(m: \(rows), n: \(features), k: \(units), a: \(dz), lda: \(units), b: \(s.parameter(0)), ldb: \(features), beta: \(s.inputBeta(0)), c: \(dx), ldc: \(features)\(epilogue), pool: pool)"
      )
    }
    if let dw = s.parameterGradient(0) {
      code.line("// dW = dZᵀ X")
      code.line(
        "GEMM.sgemm(transposeA: true, m: \(units), n: \(features), k: \(rows), a: \(dz), lda: \(units), b: \(s.input(0)), ldb: \(features), beta: \(s.parameterBeta(0)), c: \(dw), ldc: \(features), pool: pool)"
      )
    }
    if bias, let db = s.parameterGradient(1) {
      code.line("// db = column sums of dZ")
      code.line(
        "BiasGradient.columnSums(\(dz), rows: \(rows), columns: \(units), into: \(db), accumulate: \(s.accumulatesParameter(1)))"
      )
    }
  }
}
