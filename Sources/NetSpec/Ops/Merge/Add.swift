import NetSpecKernels

/// Elementwise sum of two or more inputs of identical shape (residual connections).
public struct Add: Operator {
  public static let schema = OpSchema(
    name: "add", category: .merge,
    summary: "Elementwise sum of inputs with identical shapes.",
    inputs: .atLeast(2))

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    try ShapeRules.requireSameShape(
      inputs,
      help: "every input must have the same shape; where a residual block changes the shape, "
        + "project its shortcut (a 1x1 `conv2d` with the block's stride and filters)")
    return Inference(
      outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: inputs.count - 1))
  }
}

extension Add: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)]),
    OpExample(inputs: [.batch(2, 3), .batch(2, 3), .batch(2, 3)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    let y = k.outputs[0]
    let (a, b) = (k.inputs[0], k.inputs[1])
    for e in 0..<count { y[e] = a[e] + b[e] }
    for i in 2..<k.inputs.count {
      let x = k.inputs[i]
      for e in 0..<count { y[e] += x[e] }
    }
  }

  /// Every input's gradient is the output gradient.
  public func backward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    for i in k.inputGradients.indices {
      guard let dx = k.inputGradients[i] else { continue }
      CopyKernel.copy(k.outputGradients[0], dx, count: count, accumulate: k.accumulateInput[i])
    }
  }
}

extension Add: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let names = (0..<s.step.inputs.count).map { "x\($0)" }
    code.line("let y = \(s.output(0))")
    code.line("let (\(names.joined(separator: ", "))) = (\((0..<names.count).map(s.input).joined(separator: ", ")))")
    code.line("for e in 0..<\(count) { y[e] = \(names.map { "\($0)[e]" }.joined(separator: " + ")) }")
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    for i in s.step.inputGradients.indices {
      guard let dx = s.inputGradient(i) else { continue }
      code.line(
        "CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(s.accumulatesInput(i)))")
    }
  }
}
