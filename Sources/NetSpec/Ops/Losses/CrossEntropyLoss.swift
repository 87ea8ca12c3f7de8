/// Softmax cross-entropy between logits (classes on the last axis) and int32
/// class indices, averaged over every position, as `torch.nn.CrossEntropyLoss`
/// (with `label_smoothing`). Logits `[N, C]` take targets `[N]`; sequence logits
/// `[N, T, C]` take targets `[N, T]`.
public struct CrossEntropyLoss: LossOperator {
  public static let schema = OpSchema(
    name: "cross_entropy", category: .loss,
    summary: "Softmax cross-entropy of logits [N, C] or [N, T, C] against int32 class indices.",
    inputs: .exactly(2),
    attributes: [
      .default(
        "label_smoothing", .float(0...1, exclusiveUpper: true), .float(0),
        "mix the one-hot targets with a uniform distribution by this weight")
    ])

  public let labelSmoothing: Double

  public init(_ attributes: Attributes) {
    labelSmoothing = attributes.float("label_smoothing")
  }

  public func targetType(for prediction: TensorType) throws(ShapeError) -> TensorType {
    guard prediction.dtype == .float32 else {
      throw ShapeError(
        .badLoss,
        "expected float32 logits, got \(prediction.dtype.rawValue)\(prediction.shape.shapeDescription)",
        input: 0, help: "pass the scores of the last `dense` layer as the logits")
    }
    guard prediction.rank == 2 || prediction.rank == 3 else {
      throw ShapeError(
        .badLoss,
        "expected logits [N, C] or [N, T, C] (classes last), got \(prediction.shape.shapeDescription)",
        input: 0, help: "end the network with `dense: C` for C classes, after `flatten` if needed")
    }
    guard prediction.shape[prediction.rank - 1] != Dim(1) else {
      throw ShapeError(
        .badLoss,
        "expected at least 2 classes, got logits \(prediction.shape.shapeDescription)",
        input: 0, help: "for a single yes/no logit use `binary_cross_entropy`")
    }
    return TensorType(Array(prediction.shape.dropLast()), .int32)
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let (logits, target) = (inputs[0], inputs[1])
    let expected = try targetType(for: logits)
    guard target == expected else {
      let help =
        if target.shape == expected.shape {
          "class indices must be integers: declare the target with `dtype: int32`"
        } else if target.shape == logits.shape {
          "targets are class indices, not one-hot vectors: one int32 index per position, shape \(expected.shape.shapeDescription)"
        } else {
          "give one int32 class index per position of the logits, shape \(expected.shape.shapeDescription)"
        }
      throw ShapeError(
        .badLoss,
        "expected target int32\(expected.shape.shapeDescription) for logits \(logits.shape.shapeDescription), got \(target.dtype.rawValue)\(target.shape.shapeDescription)",
        input: 1, help: help)
    }
    return Inference(outputs: [TensorType([])], flops: ShapeRules.flops(logits, perElement: 4))
  }
}
