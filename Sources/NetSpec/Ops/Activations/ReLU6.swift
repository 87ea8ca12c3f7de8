import NetSpecKernels

/// ReLU capped at 6: min(max(x, 0), 6), as PyTorch's `nn.ReLU6` (MobileNetV2).
public struct ReLU6: Operator {
  public static let schema = OpSchema(
    name: "relu6", category: .activation, summary: "ReLU capped at 6: min(max(x, 0), 6).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // Two compares.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 2))
  }
}

extension ReLU6: ElementwiseActivation {
  /// Inputs in ±[0.2, 1] keep the finite differences off the kink at 0 (the one
  /// at 6 is checked against PyTorch by the oracle fixture, whose inputs span it).
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], avoidZero: true), OpExample(inputs: [.batch(2, 2, 3)], avoidZero: true),
  ]

  var kernel: ActivationKernel { .relu6 }
}

extension ReLU6: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.relu6(\(layer.x))" }
}

extension ReLU6: ONNXExportable {
  /// `Clip` to [0, 6].
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Clip", [onnx.inputs[0], onnx.scalar("min", 0), onnx.scalar("max", 6)], onnx.outputs)
  }
}
