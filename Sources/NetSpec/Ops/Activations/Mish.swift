import NetSpecKernels

/// Mish: x * tanh(softplus(x)), as PyTorch's `nn.Mish`.
public struct Mish: Operator {
  public static let schema = OpSchema(
    name: "mish", category: .activation, summary: "Mish: x * tanh(log(1 + exp(x))).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // exp, then e * (e + 2) / (e * (e + 2) + 2) and the product with x.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 6))
  }
}

extension Mish: ElementwiseActivation {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: ActivationKernel { .mish }
}

extension Mish: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.mish(\(layer.x))" }
}

extension Mish: ONNXExportable {
  /// Opset 17 has no `Mish` (it came in 18): `x * Tanh(Softplus(x))`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (softplus, tanh) = (onnx.temporary("softplus"), onnx.temporary("tanh"))
    onnx.add("Softplus", onnx.inputs, [softplus])
    onnx.add("Tanh", [softplus], [tanh])
    onnx.add("Mul", [onnx.inputs[0], tanh], onnx.outputs)
  }
}
