import NetSpecKernels

/// Hard sigmoid: relu6(x + 3) / 6, as PyTorch's `nn.Hardsigmoid`.
public struct HardSigmoid: Operator {
  public static let schema = OpSchema(
    name: "hardsigmoid", category: .activation, summary: "Hard sigmoid: relu6(x + 3) / 6.")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // An add, two compares and a multiply.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 4))
  }
}

extension HardSigmoid: ElementwiseActivation {
  /// Inputs in [-1, 1] stay clear of the kinks at ±3 (the oracle fixture's inputs
  /// span them).
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: ActivationKernel { .hardsigmoid }
}

extension HardSigmoid: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.hardsigmoid(\(layer.x))" }
}

extension HardSigmoid: ONNXExportable {
  /// `HardSigmoid` with alpha 1/6 and beta 1/2: `relu6(x + 3) / 6`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("HardSigmoid", onnx.inputs, onnx.outputs, [.float("alpha", 1.0 / 6), .float("beta", 0.5)])
  }
}
