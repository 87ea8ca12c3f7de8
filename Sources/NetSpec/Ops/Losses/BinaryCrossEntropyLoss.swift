import Foundation

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

extension BinaryCrossEntropyLoss: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(), .batch()]),
    OpExample(inputs: [.batch(1), .batch(1)]),
    OpExample(inputs: [.batch(3), .batch(3)]),
  ]
  public var backwardReads: BackwardReads { .inputsOnly }

  /// mean(max(x, 0) - x t + log(1 + exp(-|x|))) over every element: the sigmoid
  /// folded in without overflow for large |x|, summed in double precision.
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    let (x, t) = (k.inputs[0], k.inputs[1])
    var total: Double = 0
    for e in 0..<count {
      total += Double(max(x[e], 0) - x[e] * t[e] + log1pf(expf(-abs(x[e]))))
    }
    k.outputs[0][0] = Float(total / Double(count))
  }

  /// dx = (sigmoid(x) - t) * dloss / count; the target gets no gradient.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let count = k.batch * k.shapes.inputCount(0)
    let (x, t) = (k.inputs[0], k.inputs[1])
    let scale = k.outputGradients[0][0] / Float(count)
    let accumulate = k.accumulateInput[0]
    for e in 0..<count {
      let g = (1 / (1 + expf(-x[e])) - t[e]) * scale
      if accumulate { dx[e] += g } else { dx[e] = g }
    }
  }
}

extension BinaryCrossEntropyLoss: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    code.line("let (x, t) = (\(s.input(0)), \(s.input(1)))")
    code.line("var total: Double = 0")
    code.block("for e in 0..<\(count)") { code in
      code.line("total += Double(max(x[e], 0) - x[e] * t[e] + log1pf(expf(-abs(x[e]))))")
    }
    code.line("\(s.outputScalar(0)) = Float(total / Double(\(count)))")
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let count = StepEmission.rows(s.shapes.inputCount(0))
    code.line("let (x, t, dx) = (\(s.input(0)), \(s.input(1)), \(dx))")
    code.line("let scale = \(s.outputGradientScalar(0)) / Float(\(count))")
    code.line(
      "for e in 0..<\(count) { dx[e] \(s.accumulatesInput(0) ? "+=" : "=") (1 / (1 + expf(-x[e])) - t[e]) * scale }")
  }
}
