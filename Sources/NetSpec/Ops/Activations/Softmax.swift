import NetSpecKernels

/// Softmax along `axis`: exp(x - max) / sum(exp(x - max)), computed stably.
public struct Softmax: Operator {
  public static let schema = OpSchema(
    name: "softmax", category: .activation,
    summary: "Softmax along an axis (the last by default): exp(x) / sum(exp(x)).",
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(-1),
        "axis to normalize over (negative counts from the end); PyTorch's `dim` has no default (its implicit choice is deprecated)"
      )
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    _ = try ShapeRules.axis(axis, of: inputs[0], attribute: "axis")
    // max, subtract, exp, sum, divide.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension Softmax: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(2, 5)]),
    OpExample(["axis": .int(1)], inputs: [.batch(3, 2, 2)]),
    OpExample(["axis": .int(-2)], inputs: [.batch(2, 3, 2)]),
    OpExample(["axis": .int(0)], inputs: [.batch(3)]),
  ]
  /// dx = y * (dy - sum(dy * y)) along the axis needs only the output.
  public var backwardReads: BackwardReads { .outputsOnly }

  /// The input `[batch, ...shape]` seen as `[outer, length, inner]` with the
  /// softmax axis in the middle (the batch axis itself when `axis` resolves to 0).
  func layout(_ shape: [Int], batch: Int) -> (outer: Int, length: Int, inner: Int) {
    let resolved = axis < 0 ? axis + shape.count + 1 : axis
    guard resolved > 0 else { return (1, batch, shape.reduce(1, *)) }
    let s = resolved - 1
    return (batch * shape[..<s].reduce(1, *), shape[s], shape[(s + 1)...].reduce(1, *))
  }

  /// Per softmax vector (stride `inner`): max, exp(x - max) with its sum, scale
  /// (``SoftmaxKernels``).
  public func forward(_ k: Kernel) {
    let (outer, length, inner) = layout(k.shapes.inputs[0], batch: k.batch)
    SoftmaxKernels.forward(y: k.outputs[0], x: k.inputs[0], outer: outer, length: length, inner: inner)
  }

  /// `dx = y * (dy - sum(dy * y))` along the axis.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (outer, length, inner) = layout(k.shapes.inputs[0], batch: k.batch)
    SoftmaxKernels.backward(
      dx: dx, y: k.outputs[0], dy: k.outputGradients[0], outer: outer, length: length, inner: inner,
      accumulate: k.accumulateInput[0])
  }
}

extension Softmax: EmittableOperator {
  /// The layout `[outer, length, inner]` as Swift expressions: the batch `n`
  /// enters the outer count, or is the length when `axis` resolves to 0.
  private func layoutExpressions(_ shape: [Int]) -> (outer: String, length: String, inner: String) {
    let resolved = axis < 0 ? axis + shape.count + 1 : axis
    guard resolved > 0 else { return ("1", "n", "\(shape.reduce(1, *))") }
    let s = resolved - 1
    return (StepEmission.rows(shape[..<s].reduce(1, *)), "\(shape[s])", "\(shape[(s + 1)...].reduce(1, *))")
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (outer, length, inner) = layoutExpressions(s.shapes.inputs[0])
    code.call(
      "SoftmaxKernels.forward",
      ["y": s.output(0), "x": s.input(0), "outer": outer, "length": length, "inner": inner])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (outer, length, inner) = layoutExpressions(s.shapes.inputs[0])
    code.call(
      "SoftmaxKernels.backward",
      [
        "dx": dx, "y": s.output(0), "dy": s.outputGradient(0), "outer": outer, "length": length, "inner": inner,
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Softmax: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.softmax(\(layer.x), \(axis))" }
}

extension Softmax: ONNXExportable {
  /// `Softmax` along `axis` (opset 13's single-axis form).
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Softmax", onnx.inputs, onnx.outputs, [.int("axis", axis)])
  }
}
