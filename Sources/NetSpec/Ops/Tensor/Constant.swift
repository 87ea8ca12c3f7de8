import NetSpecKernels

/// A fixed tensor of `shape` with every value `value`, the same for every
/// sample and not trained (`torch.full`, `torch.zeros`, `torch.ones`: `value: 0`
/// or `1`). Like `parameter`, its output is `[N, shape...]` for the batch size
/// `N` of its input (the previous layer, or `from:`), whose values it does not
/// read and which gets no gradient.
public struct Constant: Operator {
  public static let schema = OpSchema(
    name: "constant", category: .layer,
    summary: "A fixed tensor of `shape` filled with `value`, output [N, shape...] for its input's batch N.",
    attributes: [
      .required("shape", .ints, "the tensor's shape without the batch axis, e.g. [1, 64]"),
      .default("value", .float(-1e30...1e30), .float(0), "every element's value (0: zeros, 1: ones)"),
    ],
    primary: "shape")

  public let shape: [Int]
  public let value: Double

  public init(_ attributes: Attributes) {
    shape = attributes.ints("shape")
    value = attributes.float("value")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try LearnedTensor.requireShape(shape, input: inputs[0])
    _ = try ShapeRules.parameterCount(shape)
    return Inference(outputs: [TensorType([inputs[0].shape[0]] + shape.map { Dim($0) })])
  }
}

extension Constant: ExecutableOperator {
  public static let examples = [
    OpExample(["shape": .exampleInts([2, 3])], inputs: [.batch(4)]),
    OpExample(["shape": .exampleInts([3]), "value": .float(1.5)], inputs: [.batch(2, 2)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// Fills the output (``CopyKernel/fill(_:value:count:)``).
  public func forward(_ k: Kernel) {
    CopyKernel.fill(k.outputs[0], value: Float(value), count: k.batch * k.shapes.outputCount(0))
  }

  /// The input's gradient is zero.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0], !k.accumulateInput[0] else { return }
    CopyKernel.fill(dx, value: 0, count: k.batch * k.shapes.inputCount(0))
  }
}

extension Constant: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "CopyKernel.fill",
      ["": s.output(0), "value": StepEmission.literal(value), "count": StepEmission.rows(s.shapes.outputCount(0))])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0), !s.accumulatesInput(0) else { return }
    code.call("CopyKernel.fill", ["": dx, "value": "0", "count": StepEmission.rows(s.shapes.inputCount(0))])
  }
}

extension Constant: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let sizes = shape.map { ", \($0)" }.joined()
    return "torch.full((\(layer.x).shape[0]\(sizes)), \(TorchLayer.number(value)), dtype=\(layer.x).dtype)"
  }
}

extension Constant: ONNXExportable {
  /// `ConstantOfShape` of the input's batch size and `shape`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let shape = onnx.temporary("shape")
    onnx.add(
      "Concat", [onnx.dimension(onnx.inputs[0], axis: 0), onnx.int64s("sizes", self.shape)], [shape],
      [.int("axis", 0)])
    onnx.add(
      "ConstantOfShape", [shape], onnx.outputs,
      [.tensor("value", ONNXTensorEncoding.tensor("", floats: [Float(value)], shape: [1]))])
  }
}
