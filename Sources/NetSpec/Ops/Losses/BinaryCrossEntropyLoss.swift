/// Binary cross-entropy from logits (sigmoid folded in, numerically stable),
/// averaged over every element, as `torch.nn.BCEWithLogitsLoss`. Logits `[N]`
/// or `[N, 1]` for one yes/no output, `[N, K]` for K independent labels
/// (multi-label); targets are float32 probabilities (usually 0 or 1) of the same shape.
public struct BinaryCrossEntropyLoss: LossOperator {
  public static let schema = OpSchema(
    name: "binary_cross_entropy", category: .loss,
    summary: "Binary cross-entropy of logits [N], [N, 1] or [N, K] against float32 labels of the same shape.",
    inputs: .exactly(2))

  public init(_ attributes: Attributes) {}

  public func targetType(for prediction: TensorType) throws(ShapeError) -> TensorType {
    guard prediction.dtype == .float32 else {
      throw ShapeError(
        .badLoss,
        "expected float32 logits, got \(prediction.dtype.rawValue)\(prediction.shape.shapeDescription)",
        input: 0, help: "pass the scores of the last `dense` layer as the logits")
    }
    guard prediction.rank == 1 || prediction.rank == 2 else {
      throw ShapeError(
        .badLoss,
        "expected logits [N], [N, 1] or [N, K], got \(prediction.shape.shapeDescription)",
        input: 0, help: "end the network with `dense: 1` (or `dense: K` for K labels), after `flatten` if needed")
    }
    return prediction
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let (logits, target) = (inputs[0], inputs[1])
    let expected = try targetType(for: logits)
    guard target == expected else {
      let help =
        if target.shape == expected.shape {
          "labels are probabilities: declare the target with `dtype: float32`"
        } else if target.shape.elementCount == expected.shape.elementCount {
          "reshape the target to \(expected.shape.shapeDescription) (shapes are never broadcast)"
        } else {
          "give one 0/1 label per logit, shape \(expected.shape.shapeDescription)"
        }
      throw ShapeError(
        .badLoss,
        "expected target float32\(expected.shape.shapeDescription) for logits \(logits.shape.shapeDescription), got \(target.dtype.rawValue)\(target.shape.shapeDescription)",
        input: 1, help: help)
    }
    return Inference(outputs: [TensorType([])], flops: ShapeRules.flops(logits, perElement: 6))
  }
}
