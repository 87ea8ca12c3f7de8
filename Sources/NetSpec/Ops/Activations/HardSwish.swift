import NetSpecKernels

/// Hard swish: x * relu6(x + 3) / 6, as PyTorch's `nn.Hardswish` (MobileNetV3).
public struct HardSwish: Operator {
  public static let schema = OpSchema(
    name: "hardswish", category: .activation, summary: "Hard swish: x * relu6(x + 3) / 6.")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // An add, two compares and two multiplies.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension HardSwish: ElementwiseActivation {
  /// Inputs in [-1, 1] stay clear of the kinks at ±3 (the oracle fixture's inputs
  /// span them).
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: ActivationKernel { .hardswish }
}

extension HardSwish: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.hardswish(\(layer.x))" }
}

extension HardSwish: ONNXExportable {
  /// `HardSwish` (opset 14): `x * relu6(x + 3) / 6`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("HardSwish", onnx.inputs, onnx.outputs)
  }
}
