import NetSpecKernels

/// Hyperbolic tangent.
public struct Tanh: Operator {
  public static let schema = OpSchema(
    name: "tanh", category: .activation, summary: "Hyperbolic tangent: tanh(x).")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // One exp, two adds and a divide: (e^2x - 1) / (e^2x + 1).
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 4))
  }
}

extension Tanh: ElementwiseActivation {
  public static let examples = [OpExample(inputs: [.batch(3, 4)]), OpExample(inputs: [.batch(2, 2, 3)])]

  var kernel: ActivationKernel { .tanh }
}

extension Tanh: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "torch.tanh(\(layer.x))" }
}

extension Tanh: ONNXExportable {
  /// `Tanh`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Tanh", onnx.inputs, onnx.outputs)
  }
}
