import NetSpecKernels

/// An op the Swift emitter writes specialized code for: its forward and
/// backward steps as statements with every size, offset and attribute a
/// literal. Each op conforms in its own file, next to its interpreter kernels,
/// and the emitted statements call the same runtime kernels (GEMM, im2col,
/// activations) so both backends compute the same values.
protocol EmittableOperator: ExecutableOperator {
  /// Writes the statements of a forward step.
  func emitForward(_ step: StepEmission, _ code: inout SwiftWriter)
  /// Writes the statements of a backward step.
  func emitBackward(_ step: StepEmission, _ code: inout SwiftWriter)
}

/// What an op's emitter sees of one planned step: Swift expressions for its
/// buffers (`activations + 4704`, `parameters + 156`) and its static shapes.
/// Inside the emitted step function the batch size is `n`, the mode
/// `training` and the step's random seed `seed`.
struct StepEmission {
  let plan: ExecutionPlan
  let step: ExecutionPlan.Step
  var shapes: OpShapes { step.shapes }
  var node: Node { plan.graph.nodes[step.node] }

  private func buffer(_ id: ExecutionPlan.BufferID) -> String {
    let offset = plan.buffers[id].offset
    return offset == 0 ? "activations" : "activations + \(offset)"
  }

  private func parameterSlot(_ id: ParameterID, in arena: String) -> String {
    let offset = plan.slot(of: id).offset
    return offset == 0 ? arena : "\(arena) + \(offset)"
  }

  func input(_ i: Int) -> String { buffer(step.inputs[i]) }
  /// The first element of output `i` (`activations[1234]`), for scalar outputs such as a loss.
  func outputScalar(_ i: Int) -> String { "activations[\(plan.buffers[step.outputs[i]].offset)]" }
  /// The first element of output `i`'s gradient.
  func outputGradientScalar(_ i: Int) -> String { "activations[\(plan.buffers[step.outputGradients[i]].offset)]" }
  func output(_ i: Int) -> String { buffer(step.outputs[i]) }
  func saved(_ i: Int) -> String { buffer(step.saved[i]) }
  var workspace: String { buffer(step.workspace!) }
  func outputGradient(_ i: Int) -> String { buffer(step.outputGradients[i]) }
  /// Where input `i`'s gradient goes; nil when the plan needs none.
  func inputGradient(_ i: Int) -> String? { step.inputGradients[i].map(buffer) }
  func accumulatesInput(_ i: Int) -> Bool { step.accumulateInput[i] }
  /// The ReLU output whose mask input 0's gradient gets as it is written, if
  /// the plan folds it (``ExecutionPlan/Step/inputGradientMask``).
  var inputGradientMask: String? { step.inputGradientMask.map(buffer) }
  func parameter(_ i: Int) -> String { parameterSlot(node.parameters[i].id, in: "parameters") }
  /// Non-trainable state `i` of the node (batchnorm's running statistics).
  func stateBuffer(_ i: Int) -> String { parameterSlot(node.buffers[i].id, in: "parameters") }
  /// Where parameter `i`'s gradient goes; nil for frozen parameters.
  func parameterGradient(_ i: Int) -> String? {
    let id = node.parameters[i].id
    return plan.graph.parameters[id].trainable ? parameterSlot(id, in: "gradients") : nil
  }
  func accumulatesParameter(_ i: Int) -> Bool { step.accumulateParameter[i] }
  /// GEMM `beta` literal for input `i`'s gradient.
  func inputBeta(_ i: Int) -> String { accumulatesInput(i) ? "1" : "0" }
  /// GEMM `beta` literal for parameter `i`'s gradient.
  func parameterBeta(_ i: Int) -> String { accumulatesParameter(i) ? "1" : "0" }

  /// `n * count` as an expression (`n` when `count` is 1).
  static func rows(_ count: Int) -> String { count == 1 ? "n" : "n * \(count)" }
  /// An exact Swift literal for a Float (`0.5`, `1e-05`).
  static func literal(_ value: Float) -> String { value.description }
  static func literal(_ value: Double) -> String { Float(value).description }
}

/// Why a spec cannot be compiled to Swift.
public struct CodegenError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var help: String

  public var description: String { "\(message)\n  help: \(help)" }
}

extension ActivationKernel {
  /// The Swift expression naming this kernel in emitted code (`.relu`).
  var swiftLiteral: String {
    switch self {
    case .relu: ".relu"
    case .leakyReLU(let slope): ".leakyReLU(slope: \(StepEmission.literal(slope)))"
    case .sigmoid: ".sigmoid"
    case .tanh: ".tanh"
    case .gelu(let exact): ".gelu(exact: \(exact))"
    }
  }
}
