import NetSpecKernels

/// Binary cross-entropy from logits (sigmoid folded in, numerically stable),
/// averaged over every element (or summed, `reduction: sum`), as
/// `torch.nn.BCEWithLogitsLoss`. Logits `[N]`
/// or `[N, 1]` for one yes/no output, `[N, K]` for K independent labels
/// (multi-label), `[N, 1, H, W]` for a mask (segmentation); targets are
/// float32 probabilities (usually 0 or 1) of the same shape.
public struct BinaryCrossEntropyLoss: LossOperator {
  public static let schema = OpSchema(
    name: "binary_cross_entropy", category: .loss,
    summary:
      "Binary cross-entropy of logits [N], [N, 1], [N, K] or maps [N, 1, H, W] against float32 labels of the same shape.",
    inputs: .exactly(2), attributes: [LossReduction.attribute])

  public let reduction: LossReduction

  public func targetType(for prediction: TensorType) throws(ShapeError) -> TensorType {
    guard prediction.dtype == .float32 else {
      throw ShapeError(
        .badLoss,
        "expected float32 logits, got \(prediction.dtype.rawValue)\(prediction.shape.shapeDescription)",
        input: 0, help: "pass the scores of the last `dense` layer as the logits")
    }
    guard prediction.rank >= 1 else {
      throw ShapeError(
        .badLoss,
        "expected logits with a batch axis ([N], [N, 1], [N, K], [N, 1, H, W]), got \(prediction.shape.shapeDescription)",
        input: 0, help: "end the network with `dense: 1` (or `dense: K` for K labels), after `flatten` if needed")
    }
    return prediction
  }
}

extension BinaryCrossEntropyLoss: ElementwiseLoss {
  public static let examples = [
    OpExample(inputs: [.batch(), .batch()]),
    OpExample(inputs: [.batch(1), .batch(1)]),
    OpExample(inputs: [.batch(3), .batch(3)]),
    OpExample(inputs: [.batch(1, 3, 2), .batch(1, 3, 2)]),
    OpExample(["reduction": .string("sum")], inputs: [.batch(2), .batch(2)]),
  ]

  /// mean(max(x, 0) - x t + log(1 + exp(-|x|))) (or the sum) over every
  /// element; dx = (sigmoid(x) - t) * dloss / count (no division for a sum).
  static let kernels = ElementwiseLossKernels(
    name: "binaryCrossEntropy", prediction: "logits", forward: LossKernels.binaryCrossEntropyForward,
    backward: LossKernels.binaryCrossEntropyBackward)

  /// The stable form's operations per element.
  static var flopsPerElement: Int { 6 }

  static func targetHelp(sameShape: Bool, expected: String) -> String {
    sameShape
      ? "labels are probabilities: declare the target with `dtype: float32`"
      : "give one 0/1 label per logit, shape \(expected)"
  }

  static var torchFunction: String { "F.binary_cross_entropy_with_logits" }
}

extension BinaryCrossEntropyLoss: TorchExportable {}

extension BinaryCrossEntropyLoss: ONNXExportable {
  /// The stable form `max(x, 0) - x y + softplus(-|x|)`, averaged over every
  /// element, or summed (`--training`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (x, y) = (onnx.inputs[0], onnx.inputs[1])
    let (positive, product, magnitude, negative, softplus, linear, elements) = (
      onnx.temporary("positive"), onnx.temporary("product"), onnx.temporary("magnitude"), onnx.temporary("negative"),
      onnx.temporary("softplus"), onnx.temporary("linear"), onnx.temporary("elements")
    )
    onnx.add("Relu", [x], [positive])
    onnx.add("Mul", [x, y], [product])
    onnx.add("Abs", [x], [magnitude])
    onnx.add("Neg", [magnitude], [negative])
    onnx.add("Softplus", [negative], [softplus])
    onnx.add("Sub", [positive, product], [linear])
    onnx.add("Add", [linear, softplus], [elements])
    onnx.add(reduction.onnxReduce, [elements], onnx.outputs, [.int("keepdims", 0)])
  }
}
