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

  /// The first two inputs' product, then each further input multiplied in
  /// (``ElementwiseKernels``).
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    ElementwiseKernels.multiply(y: k.outputs[0], a: k.inputs[0], b: k.inputs[1], count: count)
    for x in k.inputs.dropFirst(2) {
      ElementwiseKernels.multiply(y: k.outputs[0], a: k.outputs[0], b: x, count: count)
    }
  }

  /// dx_i = dy * (product of the other inputs): the product of all others but
  /// the last is formed in the workspace (dy itself with two inputs), and the
  /// last factor is applied while storing.
  public func backward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    for (i, plan) in gradientPlans(inputs: k.inputs.count) where k.inputGradients[i] != nil {
      var partial = UnsafePointer(k.outputGradients[0])
      if !plan.others.isEmpty {
        CopyKernel.copy(k.outputGradients[0], k.workspace!, count: count)
        for j in plan.others {
          ElementwiseKernels.multiply(y: k.workspace!, a: k.workspace!, b: k.inputs[j], count: count)
        }
        partial = UnsafePointer(k.workspace!)
      }
      ElementwiseKernels.multiply(
        y: k.inputGradients[i]!, a: partial, b: k.inputs[plan.last], count: count, accumulate: k.accumulateInput[i])
    }
  }

  /// For each input `i`: the other inputs multiplied into the workspace, and the
  /// last one, applied while storing `dx_i`.
  private func gradientPlans(inputs n: Int) -> [(Int, (others: [Int], last: Int))] {
    (0..<n).map { i in
      let last = i == n - 1 ? n - 2 : n - 1
      return (i, ((0..<n).filter { $0 != i && $0 != last && n > 2 }, last))
    }
  }
}

extension Multiply: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    for i in 1..<s.step.inputs.count {
      code.call(
        "ElementwiseKernels.multiply",
        ["y": s.output(0), "a": i == 1 ? s.input(0) : s.output(0), "b": s.input(i), "count": count])
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    for (i, plan) in gradientPlans(inputs: s.step.inputs.count) {
      guard let dx = s.inputGradient(i) else { continue }
      var partial = s.outputGradient(0)
      if !plan.others.isEmpty {
        code.call("CopyKernel.copy", ["": s.outputGradient(0), "": s.workspace, "count": count])
        for j in plan.others {
          code.call(
            "ElementwiseKernels.multiply", ["y": s.workspace, "a": s.workspace, "b": s.input(j), "count": count])
        }
        partial = s.workspace
      }
      code.call(
        "ElementwiseKernels.multiply",
        [
          "y": dx, "a": partial, "b": s.input(plan.last), "count": count,
          "accumulate": "\(s.accumulatesInput(i))",
        ])
    }
  }
}

extension Multiply: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    layer.inputs.joined(separator: " * ")
  }
}

extension Multiply: ONNXExportable {
  /// A chain of `Mul`, in the kernel's order.
  func exportONNX(_ onnx: ONNXNodeContext) {
    var product = onnx.inputs[0]
    for (i, factor) in onnx.inputs.enumerated().dropFirst() {
      let result = i == onnx.inputs.count - 1 ? onnx.outputs[0] : onnx.temporary("product")
      onnx.add("Mul", [product, factor], [result])
      product = result
    }
  }
}
