import NetSpecKernels

/// An activation op applied element by element through an ``ActivationKernel``:
/// its forward and backward kernels and its emitted code come from the kernel
/// alone. The derivative reads the input (GELU, leaky ReLU) or the output
/// (ReLU, sigmoid, tanh), whichever the kernel needs.
protocol ElementwiseActivation: EmittableOperator {
  var kernel: ActivationKernel { get }
}

extension ElementwiseActivation {
  public var backwardReads: BackwardReads { kernel.needsInput ? .inputsOnly : .outputsOnly }

  public func forward(_ k: Kernel) {
    kernel.forward(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0), pool: k.pool)
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    kernel.backward(
      input: kernel.needsInput ? k.inputs[0] : nil, output: kernel.needsInput ? nil : k.outputs[0],
      k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0), accumulate: k.accumulateInput[0],
      pool: k.pool)
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = "\(StepEmission.rows(s.shapes.inputCount(0)))"
    code.line(
      "ActivationKernel\(kernel.swiftLiteral).forward(\(s.input(0)), \(s.output(0)), count: \(count), pool: pool)")
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let count = "\(StepEmission.rows(s.shapes.inputCount(0)))"
    let (input, output) = kernel.needsInput ? (s.input(0), "nil") : ("nil", s.output(0))
    code.line(
      "ActivationKernel\(kernel.swiftLiteral).backward(input: \(input), output: \(output), \(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(s.accumulatesInput(0)), pool: pool)"
    )
  }
}
