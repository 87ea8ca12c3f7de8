import NetSpecKernels

/// A math op applied element by element through a ``UnaryMathKernel`` (`exp`,
/// `log`, `sqrt`, `square`, `neg`, `abs`): its shape rule, kernels and emitted
/// code come from the kernel alone; the derivative reads the output (`exp`,
/// `sqrt`) or the input.
protocol UnaryMath: EmittableOperator {
  var kernel: UnaryMathKernel { get }
}

extension UnaryMath {
  /// The input's type: a float tensor of any shape.
  func inferUnary(_ inputs: [TensorType], flopsPerElement: Int) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: flopsPerElement))
  }

  public var backwardReads: BackwardReads {
    kernel == .neg ? .nothing : kernel.needsOutput ? .outputsOnly : .inputsOnly
  }

  public func forward(_ k: Kernel) {
    kernel.forward(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    kernel.backward(
      input: kernel.needsOutput ? nil : k.inputs[0], output: kernel.needsOutput ? k.outputs[0] : nil,
      k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0), accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    code.line("UnaryMathKernel\(kernel.swiftLiteral).forward(\(s.input(0)), \(s.output(0)), count: \(count))")
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let (input, output) =
      kernel == .neg ? ("nil", "nil") : kernel.needsOutput ? ("nil", s.output(0)) : (s.input(0), "nil")
    code.line(
      "UnaryMathKernel\(kernel.swiftLiteral).backward(input: \(input), output: \(output), \(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(s.accumulatesInput(0)))"
    )
  }
}
