import NetSpecKernels

/// Element-wise sum of two or more inputs with NumPy broadcasting (residual
/// connections, learned offsets), or of one input and a `scalar`.
public struct Add: Operator {
  public static let schema = OpSchema(
    name: "add", category: .merge,
    summary: "Element-wise sum of inputs (NumPy broadcasting), or of one input and a scalar.",
    inputs: .atLeast(1), attributes: [scalarAttribute("add", "add to")], primary: "scalar")

  public let scalar: Double?

  public init(_ attributes: Attributes) {
    scalar = attributes.has("scalar") ? attributes.float("scalar") : nil
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferArithmetic(inputs)
  }
}

extension Add: ElementwiseArithmetic {
  static var operation: BinaryOperation { .add }

  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)]),
    OpExample(inputs: [.batch(2, 3), .batch(2, 3), .batch(2, 3)]),
    OpExample(inputs: [.batch(3, 4), .batch(3, 1)]),
    OpExample(inputs: [.batch(2, 3, 4), .batch(1, 3, 1), .batch(2, 1, 4)]),
    OpExample(["scalar": .float(1.5)], inputs: [.batch(2, 3)]),
  ]
}

extension Add: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    arithmeticTorchForward(layer)
  }
}

extension Add: ONNXExportable {
  /// `Add` (with a scalar constant for `scalar`), chained over more inputs.
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportArithmetic(onnx, "Add")
  }
}
