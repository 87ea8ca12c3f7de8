import NetSpecKernels

/// `a / b` with NumPy broadcasting, or `x / scalar` (PyTorch's `torch.div`).
public struct Divide: Operator {
  public static let schema = OpSchema(
    name: "divide", category: .merge,
    summary: "Element-wise quotient a / b (NumPy broadcasting), or x / scalar.",
    inputs: .between(1, 2),
    attributes: [
      .optional(
        "scalar", .float(-1e30...1e30),
        "a nonzero number to divide a single input by (then the op takes one input, e.g. `divide: 2`)")
    ],
    primary: "scalar")

  public let scalar: Double?

  public init(_ attributes: Attributes) {
    scalar = attributes.has("scalar") ? attributes.float("scalar") : nil
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    guard scalar != 0 else {
      throw ShapeError(
        .valueOutOfRange, "`divide` by a `scalar` of 0", attribute: "scalar", help: "divide by a nonzero number")
    }
    return try inferArithmetic(inputs)
  }
}

extension Divide: ElementwiseArithmetic {
  static var operation: BinaryOperation { .divide }

  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)], avoidZero: true),
    OpExample(inputs: [.batch(2, 3, 2), .batch(2, 1, 1)], avoidZero: true),
    OpExample(inputs: [.batch(3, 1), .batch(1, 4)], avoidZero: true),
    OpExample(["scalar": .float(4)], inputs: [.batch(2, 3)]),
  ]
}

extension Divide: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    arithmeticTorchForward(layer)
  }
}

extension Divide: ONNXExportable {
  /// `Div` (with a scalar constant for `scalar`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportArithmetic(onnx, "Div")
  }
}
