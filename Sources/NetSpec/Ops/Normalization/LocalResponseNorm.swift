import Foundation
import NetSpecKernels

/// Local response normalization across channels (AlexNet; PyTorch's
/// `LocalResponseNorm`): `b_c = a_c / (k + alpha / size * sum a_c'^2)^beta`, the
/// sum over the `size` channels centred on `c` (zero beyond the edges).
public struct LocalResponseNorm: Operator {
  public static let schema = OpSchema(
    name: "lrn", category: .normalization,
    summary: "Local response normalization across neighbouring channels (AlexNet).",
    attributes: [
      .required("size", .int(1...4096), "number of neighbouring channels summed over"),
      .default("alpha", .float(0...1000), .float(1e-4), "scale of the sum of squares"),
      .default("beta", .float(0...1000), .float(0.75), "exponent of the divisor"),
      .default("k", .float(0...1000), .float(1), "constant added to the divisor"),
    ],
    primary: "size")

  public let size: Int
  public let alpha: Double
  public let beta: Double
  public let k: Double

  public init(_ attributes: Attributes) {
    size = attributes.int("size")
    alpha = attributes.float("alpha")
    beta = attributes.float("beta")
    k = attributes.float("k")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 3, layout: "[N, C, ...]")
    // square, a window sum of `size`, scale, power and divide.
    return Inference(outputs: [x], flops: ShapeRules.flops(x, perElement: size + 4))
  }
}

extension LocalResponseNorm: ExecutableOperator {
  public static let examples = [
    OpExample(["size": .int(3), "alpha": .float(0.5), "k": .float(2)], inputs: [.batch(5, 2, 3)]),
    OpExample(["size": .int(4), "alpha": .float(1), "beta": .float(0.5)], inputs: [.batch(6, 3)]),
    OpExample(["size": .int(2)], inputs: [.batch(3, 2, 2)]),
  ]

  /// The divisor base `s = k + alpha / size * sum a^2` of every element.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.inputCount(0)] }

  /// The backward pass keeps `s^-beta` and `dy * a * s^(-beta - 1)` here.
  public func workspace(_ shapes: OpShapes) -> Int { 2 * shapes.inputCount(0) }

  /// The backward pass needs the input and the saved divisor bases.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per sample: `s` for every channel from its window of squares, then
  /// `b = a * s^-beta` (``LocalResponseNormKernels``).
  public func forward(_ k: Kernel) {
    let channels = k.shapes.inputs[0][0]
    LocalResponseNormKernels.forward(
      y: k.outputs[0], divisorBase: k.saved[0], x: k.inputs[0], batch: k.batch, channels: channels,
      positions: k.shapes.inputCount(0) / channels, size: size, alpha: Float(alpha), beta: Float(beta),
      k: Float(self.k), pool: k.pool)
  }

  /// `dx_j = dy_j * s_j^-beta - 2 * alpha * beta / size * a_j * sum over the channels
  /// c whose window holds j of dy_c * a_c * s_c^(-beta - 1)`.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let channels = k.shapes.inputs[0][0]
    LocalResponseNormKernels.backward(
      dx: dx, x: k.inputs[0], dy: k.outputGradients[0], divisorBase: k.saved[0], workspace: k.workspace!,
      batch: k.batch, channels: channels, positions: k.shapes.inputCount(0) / channels, size: size,
      alpha: Float(alpha), beta: Float(beta), accumulate: k.accumulateInput[0], pool: k.pool)
  }
}

extension LocalResponseNorm: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let channels = s.shapes.inputs[0][0]
    code.call(
      "LocalResponseNormKernels.forward",
      [
        "y": s.output(0), "divisorBase": s.saved(0), "x": s.input(0), "batch": "n", "channels": "\(channels)",
        "positions": "\(s.shapes.inputCount(0) / channels)", "size": "\(size)", "alpha": StepEmission.literal(alpha),
        "beta": StepEmission.literal(beta), "k": StepEmission.literal(k), "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let channels = s.shapes.inputs[0][0]
    code.call(
      "LocalResponseNormKernels.backward",
      [
        "dx": dx, "x": s.input(0), "dy": s.outputGradient(0), "divisorBase": s.saved(0), "workspace": s.workspace,
        "batch": "n", "channels": "\(channels)", "positions": "\(s.shapes.inputCount(0) / channels)",
        "size": "\(size)", "alpha": StepEmission.literal(alpha), "beta": StepEmission.literal(beta),
        "accumulate": "\(s.accumulatesInput(0))", "pool": "pool",
      ])
  }
}

extension LocalResponseNorm: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let arguments = [alpha, beta, k].map(TorchLayer.number).joined(separator: ", ")
    return "F.local_response_norm(\(layer.x), \(size), \(arguments))"
  }
}

extension LocalResponseNorm: ONNXExportable {
  /// `LRN` on `[N, C, H, W]`. ONNX centres an even window one channel later
  /// than PyTorch (and NetSpec), so an even `size` has no ONNX form.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    guard size % 2 == 1 else {
      throw ONNXUnsupported(
        "ONNX's LRN sums over a window of an even `size` (\(size)) centred differently from PyTorch's",
        attribute: "size", help: "use an odd size such as \(size + 1)")
    }
    guard onnx.inputTypes[0].rank == 4 else {
      throw ONNXUnsupported(
        "LRN takes [N, C, H, W] inputs, got \(onnx.inputTypes[0].shape.shapeDescription)",
        help: "normalize a 4-D [N, C, H, W] tensor")
    }
    onnx.add(
      "LRN", onnx.inputs, onnx.outputs,
      [.int("size", size), .float("alpha", alpha), .float("beta", beta), .float("bias", k)])
  }
}
