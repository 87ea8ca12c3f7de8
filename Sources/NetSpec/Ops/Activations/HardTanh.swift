import NetSpecKernels

/// `x` clamped to `[min_val, max_val]`, as PyTorch's `nn.Hardtanh`.
public struct HardTanh: Operator {
  public static let schema = OpSchema(
    name: "hardtanh", category: .activation, summary: "x clamped to [min_val, max_val] (by default [-1, 1]).",
    attributes: [
      .default("min_val", .float(-1e6...1e6), .float(-1), "lower bound of the output"),
      .default("max_val", .float(-1e6...1e6), .float(1), "upper bound of the output (above min_val)"),
    ])

  public let minimum: Double
  public let maximum: Double

  public init(_ attributes: Attributes) {
    minimum = attributes.float("min_val")
    maximum = attributes.float("max_val")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    guard maximum > minimum else {
      throw ShapeError(
        .valueOutOfRange, "max_val \(formatNumber(maximum)) is not above min_val \(formatNumber(minimum))",
        attribute: "max_val", help: "give a max_val greater than min_val")
    }
    // Two compares.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 2))
  }
}

extension HardTanh: ElementwiseActivation {
  /// Inputs in ±[0.2, 1]: the default bounds are reached only at ±1 itself, and
  /// bounds of ±0.1 saturate every input, so no finite difference straddles a bound.
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)], avoidZero: true),
    OpExample(["min_val": .float(-0.1), "max_val": .float(0.1)], inputs: [.batch(2, 3)], avoidZero: true),
  ]

  var kernel: ActivationKernel { .hardtanh(min: Float(minimum), max: Float(maximum)) }
}

extension HardTanh: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.hardtanh(\(layer.x), \(TorchLayer.number(minimum)), \(TorchLayer.number(maximum)))"
  }
}

extension HardTanh: ONNXExportable {
  /// `Clip` to [min_val, max_val].
  func exportONNX(_ onnx: ONNXNodeContext) {
    let bounds = [onnx.scalar("min", Float(minimum)), onnx.scalar("max", Float(maximum))]
    onnx.add("Clip", [onnx.inputs[0]] + bounds, onnx.outputs)
  }
}
