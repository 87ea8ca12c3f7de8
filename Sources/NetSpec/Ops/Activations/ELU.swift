import NetSpecKernels

/// Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise, as
/// PyTorch's `nn.ELU`.
public struct ELU: Operator {
  public static let schema = OpSchema(
    name: "elu", category: .activation, summary: "Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) below.",
    attributes: [
      .default(
        "alpha", .float(0...1e6), .float(1),
        "scale of the negative side, alpha * (exp(x) - 1); not negative (PyTorch allows it)")
    ],
    primary: "alpha")

  public let alpha: Double

  public init(_ attributes: Attributes) {
    alpha = attributes.float("alpha")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // compare, exp, subtract and multiply.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 4))
  }
}

extension ELU: ElementwiseActivation {
  /// Inputs in ±[0.2, 1] keep the finite differences off the kink at 0 (with
  /// alpha other than 1).
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]), OpExample(["alpha": .float(0.5)], inputs: [.batch(2, 3)], avoidZero: true),
  ]

  var kernel: ActivationKernel { .elu(alpha: Float(alpha)) }
}

extension ELU: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.elu(\(layer.x), \(TorchLayer.number(alpha)))"
  }
}

extension ELU: ONNXExportable {
  /// `Elu` with `alpha`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Elu", onnx.inputs, onnx.outputs, [.float("alpha", alpha)])
  }
}
