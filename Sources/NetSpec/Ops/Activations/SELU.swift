import NetSpecKernels

/// Scaled exponential linear unit: scale * elu(x, alpha) with PyTorch's fixed
/// constants (alpha 1.6733, scale 1.0507), as `nn.SELU`.
public struct SELU: Operator {
  public static let schema = OpSchema(
    name: "selu", category: .activation,
    summary: "Scaled ELU: 1.0507 * (x for x > 0, 1.6733 * (exp(x) - 1) below).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // compare, exp, subtract and two multiplies.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension SELU: ElementwiseActivation {
  /// Inputs in ±[0.2, 1] keep the finite differences off the kink at 0.
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], avoidZero: true), OpExample(inputs: [.batch(2, 2, 3)], avoidZero: true),
  ]

  var kernel: ActivationKernel { .selu }
}

extension SELU: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "F.selu(\(layer.x))" }
}

extension SELU: ONNXExportable {
  /// `Selu` with the kernel's alpha and scale (ONNX's `gamma`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (alpha, scale) = (Double(ActivationKernel.seluAlpha), Double(ActivationKernel.seluScale))
    onnx.add("Selu", onnx.inputs, onnx.outputs, [.float("alpha", alpha), .float("gamma", scale)])
  }
}
