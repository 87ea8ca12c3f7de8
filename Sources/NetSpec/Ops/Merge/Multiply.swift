import NetSpecKernels

/// Elementwise product of two or more inputs of identical shape (gating).
public struct Multiply: Operator {
  public static let schema = OpSchema(
    name: "multiply", category: .merge,
    summary: "Elementwise product of inputs with identical shapes.",
    inputs: .atLeast(2))

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    try ShapeRules.requireSameShape(inputs, help: "every input must have the same shape")
    return Inference(
      outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: inputs.count - 1))
  }
}

extension Multiply: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)]),
    OpExample(inputs: [.batch(2, 3), .batch(2, 3), .batch(2, 3)]),
  ]

  /// With more than two inputs, the backward pass multiplies the output gradient
  /// by all but one of the other inputs here.
  public func workspace(_ shapes: OpShapes) -> Int { shapes.inputs.count > 2 ? shapes.inputCount(0) : 0 }
  public var backwardReads: BackwardReads { .inputsOnly }

  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    let y = k.outputs[0]
    let (a, b) = (k.inputs[0], k.inputs[1])
    for e in 0..<count { y[e] = a[e] * b[e] }
    for i in 2..<k.inputs.count {
      let x = k.inputs[i]
      for e in 0..<count { y[e] *= x[e] }
    }
  }

  /// dx_i = dy * (product of the other inputs): the product of all others but
  /// the last is formed in the workspace (dy itself with two inputs), and the
  /// last factor is applied while storing.
  public func backward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    let n = k.inputs.count
    for i in 0..<n {
      guard let dx = k.inputGradients[i] else { continue }
      let last = i == n - 1 ? n - 2 : n - 1
      var partial = UnsafePointer(k.outputGradients[0])
      if n > 2 {
        let w = k.workspace!
        CopyKernel.copy(k.outputGradients[0], w, count: count)
        for j in 0..<n where j != i && j != last {
          let x = k.inputs[j]
          for e in 0..<count { w[e] *= x[e] }
        }
        partial = UnsafePointer(w)
      }
      let x = k.inputs[last]
      if k.accumulateInput[i] {
        for e in 0..<count { dx[e] += partial[e] * x[e] }
      } else {
        for e in 0..<count { dx[e] = partial[e] * x[e] }
      }
    }
  }
}

extension Multiply: EmittableOperator {
  /// As the interpreter: the product of the first two inputs, then each further
  /// input multiplied in.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    code.line("let y = \(s.output(0))")
    code.line("let (a, b) = (\(s.input(0)), \(s.input(1)))")
    code.line("for e in 0..<\(count) { y[e] = a[e] * b[e] }")
    for i in 2..<s.step.inputs.count {
      code.block("do") { code in
        code.line("let x = \(s.input(i))")
        code.line("for e in 0..<\(count) { y[e] *= x[e] }")
      }
    }
  }

  /// As the interpreter: per input needing a gradient, `dy` times all other
  /// inputs but the last (in the workspace when there are more than two
  /// inputs), the last factor applied while storing.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let n = s.step.inputs.count
    for i in 0..<n {
      guard let dx = s.inputGradient(i) else { continue }
      let last = i == n - 1 ? n - 2 : n - 1
      code.block("do") { code in
        code.line("let (dx, x) = (\(dx), \(s.input(last)))")
        var partial = s.outputGradient(0)
        if n > 2 {
          partial = "w"
          code.line("let w = \(s.workspace)")
          code.line("CopyKernel.copy(\(s.outputGradient(0)), w, count: \(count))")
          for j in 0..<n where j != i && j != last {
            code.block("do") { code in
              code.line("let other = \(s.input(j))")
              code.line("for e in 0..<\(count) { w[e] *= other[e] }")
            }
          }
        } else {
          code.line("let partial = \(partial)")
          partial = "partial"
        }
        code.line("for e in 0..<\(count) { dx[e] \(s.accumulatesInput(i) ? "+=" : "=") \(partial)[e] * x[e] }")
      }
    }
  }
}
