import NetSpecKernels

/// `a - b` with NumPy broadcasting, or `x - scalar` (PyTorch's `torch.sub`).
public struct Subtract: Operator {
  public static let schema = OpSchema(
    name: "subtract", category: .merge,
    summary: "Element-wise difference a - b (NumPy broadcasting), or x - scalar.",
    inputs: .between(1, 2), attributes: [scalarAttribute("subtract", "subtract from")], primary: "scalar")

  public let scalar: Double?

  public init(_ attributes: Attributes) {
    scalar = attributes.has("scalar") ? attributes.float("scalar") : nil
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferArithmetic(inputs)
  }
}

extension Subtract: ElementwiseArithmetic {
  static var operation: BinaryOperation { .subtract }

  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)]),
    OpExample(inputs: [.batch(2, 3, 2), .batch(2, 1, 2)]),
    OpExample(inputs: [.batch(1, 4), .batch(3, 1)]),
    OpExample(["scalar": .float(2)], inputs: [.batch(2, 3)]),
  ]
}

extension Subtract: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    arithmeticTorchForward(layer)
  }
}

extension Subtract: ONNXExportable {
  /// `Sub` (with a scalar constant for `scalar`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportArithmetic(onnx, "Sub")
  }
}
