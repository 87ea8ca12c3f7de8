import NetSpecKernels

/// An op whose output holds its input's values in the same row-major order,
/// only under another shape (flatten, reshape): forward and backward are
/// copies, in the interpreter and in emitted code alike.
protocol LayoutView: EmittableOperator {}

extension LayoutView {
  public var backwardReads: BackwardReads { .nothing }

  public func forward(_ k: Kernel) {
    CopyKernel.copy(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    CopyKernel.copy(
      k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0), accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.line("CopyKernel.copy(\(s.input(0)), \(s.output(0)), count: \(StepEmission.rows(s.shapes.inputCount(0))))")
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.line(
      "CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(StepEmission.rows(s.shapes.inputCount(0))), accumulate: \(s.accumulatesInput(0)))"
    )
  }
}
