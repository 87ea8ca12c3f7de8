import NetSpecKernels

/// Element-wise product of two or more inputs with NumPy broadcasting (gating,
/// squeeze-and-excitation's channel scale `[N, C, H, W] * [N, C, 1, 1]`), or of
/// one input and a `scalar`.
public struct Multiply: Operator {
  public static let schema = OpSchema(
    name: "multiply", category: .merge,
    summary: "Element-wise product of inputs (NumPy broadcasting), or of one input and a scalar.",
    inputs: .atLeast(1), attributes: [scalarAttribute("multiply", "multiply")], primary: "scalar")

  public let scalar: Double?

  public init(_ attributes: Attributes) {
    scalar = attributes.has("scalar") ? attributes.float("scalar") : nil
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferArithmetic(inputs)
  }
}

extension Multiply: ElementwiseArithmetic {
  static var operation: BinaryOperation { .multiply }

  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)]),
    OpExample(inputs: [.batch(2, 3), .batch(2, 3), .batch(2, 3)]),
    OpExample(inputs: [.batch(3, 2, 2), .batch(3, 1, 1)]),
    OpExample(inputs: [.batch(3, 1), .batch(1, 4)]),
    OpExample(inputs: [.batch(2, 3, 2), .batch(2, 1, 2), .batch(1, 3, 1)]),
    OpExample(["scalar": .float(-0.5)], inputs: [.batch(2, 3)]),
  ]
}

extension Multiply: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    arithmeticTorchForward(layer)
  }
}

extension Multiply: ONNXExportable {
  /// `Mul` (with a scalar constant for `scalar`), chained over more inputs in
  /// the kernel's order.
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportArithmetic(onnx, "Mul")
  }
}
