import NetSpecKernels

/// Flattens the axes from `start_axis` on into one: `[N, C, H, W]` -> `[N, C*H*W]`
/// (PyTorch's `Flatten`). A view: no data moves.
public struct Flatten: Operator {
  public static let schema = OpSchema(
    name: "flatten", category: .shape,
    summary: "Flattens the axes from start_axis on into one: [N, C, H, W] -> [N, C*H*W].",
    attributes: [
      .default(
        "start_axis", .int(ShapeRules.axisRange), .int(1),
        "first axis to flatten (negative counts from the end); 1 keeps the batch axis")
    ],
    primary: "start_axis")

  public let startAxis: Int

  public init(_ attributes: Attributes) {
    startAxis = attributes.int("start_axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let start = try ShapeRules.axis(startAxis, of: x, attribute: "start_axis")
    let flat = try ShapeRules.product(Array(x.shape[start...]), what: "flattened size")
    return Inference(outputs: [TensorType(Array(x.shape[..<start]) + [flat], x.dtype)])
  }
}

extension Flatten: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(2, 3, 2)]),
    OpExample(["start_axis": .int(-2)], inputs: [.batch(2, 3, 2)]),
    OpExample(["start_axis": .int(2)], inputs: [.batch(3, 2, 2)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// A copy: the layout of `[N, ...]` row-major data does not change.
  public func forward(_ k: Kernel) {
    CopyKernel.copy(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    CopyKernel.copy(
      k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0), accumulate: k.accumulateInput[0])
  }
}

extension Flatten: EmittableOperator {
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
