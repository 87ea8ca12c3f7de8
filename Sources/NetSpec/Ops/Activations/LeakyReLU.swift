import NetSpecKernels

/// Leaky rectified linear unit: x for x >= 0, slope * x below.
public struct LeakyReLU: Operator {
  public static let schema = OpSchema(
    name: "leaky_relu", category: .activation,
    summary: "Leaky ReLU: x for x >= 0, slope * x otherwise.",
    attributes: [
      .default("slope", .float(0...1), .float(0.01), "multiplier for negative inputs")
    ],
    primary: "slope")

  public let slope: Double

  public init(_ attributes: Attributes) {
    slope = attributes.float("slope")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // compare and multiply.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 2))
  }
}

extension LeakyReLU: ElementwiseActivation {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], avoidZero: true),
    OpExample(["slope": .float(0.2)], inputs: [.batch(2, 3, 2)], avoidZero: true),
  ]

  var kernel: ActivationKernel { .leakyReLU(slope: Float(slope)) }
}

extension LeakyReLU: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.leaky_relu(\(layer.x), \(TorchLayer.number(slope)))"
  }
}

extension LeakyReLU: ONNXExportable {
  /// `LeakyRelu` with `alpha` = slope.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("LeakyRelu", onnx.inputs, onnx.outputs, [.float("alpha", slope)])
  }
}
