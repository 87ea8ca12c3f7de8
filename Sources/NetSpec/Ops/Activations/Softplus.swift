import NetSpecKernels

/// Softplus: log(1 + exp(beta * x)) / beta, and x itself where beta * x exceeds
/// `threshold`, as PyTorch's `nn.Softplus`.
public struct Softplus: Operator {
  public static let schema = OpSchema(
    name: "softplus", category: .activation,
    summary: "Softplus: log(1 + exp(beta * x)) / beta, linear where beta * x > threshold.",
    attributes: [
      .default(
        "beta", .float(1e-6...1e6), .float(1),
        "sharpness: the input is scaled by beta, the output by 1 / beta; positive (PyTorch allows any)"),
      .default("threshold", .float(-1e6...1e6), .float(20), "above this beta * x the output is x itself"),
    ],
    primary: "beta")

  public let beta: Double
  public let threshold: Double

  public init(_ attributes: Attributes) {
    beta = attributes.float("beta")
    threshold = attributes.float("threshold")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // scale, compare, exp, log1p and divide.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension Softplus: ElementwiseActivation {
  /// The second example puts the positive inputs on the linear side: its switch,
  /// where the output jumps, is at x = 0.1, and inputs in ±[0.2, 1] keep the
  /// finite differences off it.
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]),
    OpExample(["beta": .float(2), "threshold": .float(0.2)], inputs: [.batch(2, 3)], avoidZero: true),
  ]

  var kernel: ActivationKernel { .softplus(beta: Float(beta), threshold: Float(threshold)) }
}

extension Softplus: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.softplus(\(layer.x), \(TorchLayer.number(beta)), \(TorchLayer.number(threshold)))"
  }
}

extension Softplus: ONNXExportable {
  /// ONNX's `Softplus` has neither beta nor threshold:
  /// `Where(beta x > threshold, x, Softplus(beta x) / beta)`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let x = onnx.inputs[0]
    var scaled = x
    if beta != 1 {
      scaled = onnx.temporary("scaled")
      onnx.add("Mul", [x, onnx.scalar("beta", Float(beta))], [scaled])
    }
    let (soft, linear) = (onnx.temporary("softplus"), onnx.temporary("linear"))
    onnx.add("Softplus", [scaled], [soft])
    var smooth = soft
    if beta != 1 {
      smooth = onnx.temporary("unscaled")
      onnx.add("Div", [soft, onnx.scalar("beta", Float(beta))], [smooth])
    }
    onnx.add("Greater", [scaled, onnx.scalar("threshold", Float(threshold))], [linear])
    onnx.add("Where", [linear, x, smooth], onnx.outputs)
  }
}
