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

  /// The first two inputs' sum, then each further input added in (``ElementwiseKernels``).
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    ElementwiseKernels.add(y: k.outputs[0], a: k.inputs[0], b: k.inputs[1], count: count)
    for x in k.inputs.dropFirst(2) { ElementwiseKernels.add(y: k.outputs[0], a: k.outputs[0], b: x, count: count) }
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
    for i in 1..<s.step.inputs.count {
      code.call(
        "ElementwiseKernels.add",
        ["y": s.output(0), "a": i == 1 ? s.input(0) : s.output(0), "b": s.input(i), "count": count])
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    for i in s.step.inputGradients.indices {
      guard let dx = s.inputGradient(i) else { continue }
      code.call(
        "CopyKernel.copy",
        ["": s.outputGradient(0), "": dx, "count": count, "accumulate": "\(s.accumulatesInput(i))"])
    }
  }
}

extension Add: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    layer.inputs.joined(separator: " + ")
  }
}

extension Add: ONNXExportable {
  /// `Add` for two inputs, `Sum` for more.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add(onnx.inputs.count == 2 ? "Add" : "Sum", onnx.inputs, onnx.outputs)
  }
}
