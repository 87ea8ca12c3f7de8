import NetSpecKernels

/// Mean squared error between a prediction and a float32 target of the same
/// shape, averaged over every element (or summed, `reduction: sum`), as
/// `torch.nn.MSELoss`.
public struct MSELoss: LossOperator {
  public static let schema = OpSchema(
    name: "mse", category: .loss,
    summary: "Mean squared error against a float32 target of the prediction's shape.",
    inputs: .exactly(2), attributes: [LossReduction.attribute])

  public let reduction: LossReduction

  public func targetType(for prediction: TensorType) throws(ShapeError) -> TensorType {
    guard prediction.dtype == .float32 else {
      throw ShapeError(
        .badLoss,
        "expected a float32 prediction, got \(prediction.dtype.rawValue)\(prediction.shape.shapeDescription)",
        input: 0, help: "compare the output of a layer, not an integer input")
    }
    guard prediction.rank >= 1 else {
      throw ShapeError(
        .badLoss, "expected a prediction with a batch axis [N, ...], got a scalar []",
        input: 0, help: "apply the loss to a per-example output")
    }
    return prediction
  }
}

extension MSELoss: ElementwiseLoss {
  public static let examples = [
    OpExample(inputs: [.batch(4), .batch(4)]),
    OpExample(inputs: [.batch(2, 3), .batch(2, 3)]),
    OpExample(["reduction": .string("sum")], inputs: [.batch(3), .batch(3)]),
  ]

  /// mean((p - t)^2) (or the sum) over every element; dp = 2 (p - t) * dloss /
  /// count (no division for a sum).
  static let kernels = ElementwiseLossKernels(
    name: "mse", prediction: "prediction", forward: LossKernels.mseForward, backward: LossKernels.mseBackward)

  /// Subtract, square and add.
  static var flopsPerElement: Int { 3 }

  static func targetHelp(sameShape: Bool, expected: String) -> String {
    sameShape
      ? "regression targets are real numbers: declare the target with `dtype: float32`"
      : "give one value per prediction element, shape \(expected)"
  }

  static var torchFunction: String { "F.mse_loss" }
}

extension MSELoss: TorchExportable {}

extension MSELoss: ONNXExportable {
  /// `ReduceMean((prediction - target)^2)` (`ReduceSum` for a sum) over every
  /// element (`--training`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (difference, squared) = (onnx.temporary("difference"), onnx.temporary("squared"))
    onnx.add("Sub", onnx.inputs, [difference])
    onnx.add("Mul", [difference, difference], [squared])
    onnx.add(reduction.onnxReduce, [squared], onnx.outputs, [.int("keepdims", 0)])
  }
}
