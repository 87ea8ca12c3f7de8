/// Mean squared error between a prediction and a float32 target of the same
/// shape, averaged over every element, as `torch.nn.MSELoss`.
public struct MSELoss: LossOperator {
  public static let schema = OpSchema(
    name: "mse", category: .loss,
    summary: "Mean squared error against a float32 target of the prediction's shape.",
    inputs: .exactly(2))

  public init(_ attributes: Attributes) {}

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

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let (prediction, target) = (inputs[0], inputs[1])
    let expected = try targetType(for: prediction)
    guard target == expected else {
      let help =
        if target.shape == expected.shape {
          "regression targets are real numbers: declare the target with `dtype: float32`"
        } else if target.shape.elementCount == expected.shape.elementCount {
          "reshape the target to \(expected.shape.shapeDescription) (shapes are never broadcast)"
        } else {
          "give one value per prediction element, shape \(expected.shape.shapeDescription)"
        }
      throw ShapeError(
        .badLoss,
        "expected target float32\(expected.shape.shapeDescription) for prediction \(prediction.shape.shapeDescription), got \(target.dtype.rawValue)\(target.shape.shapeDescription)",
        input: 1, help: help)
    }
    return Inference(outputs: [TensorType([])], flops: ShapeRules.flops(prediction, perElement: 3))
  }
}

extension MSELoss: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(4), .batch(4)]),
    OpExample(inputs: [.batch(2, 3), .batch(2, 3)]),
  ]
  public var backwardReads: BackwardReads { .inputsOnly }

  /// mean((p - t)^2) over every element, summed in double precision.
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    let (p, t) = (k.inputs[0], k.inputs[1])
    var total: Double = 0
    for e in 0..<count {
      let d = p[e] - t[e]
      total += Double(d * d)
    }
    k.outputs[0][0] = Float(total / Double(count))
  }

  /// dp = 2 (p - t) * dloss / count; the target gets no gradient.
  public func backward(_ k: Kernel) {
    guard let dp = k.inputGradients[0] else { return }
    let count = k.batch * k.shapes.inputCount(0)
    let (p, t) = (k.inputs[0], k.inputs[1])
    let scale = 2 * k.outputGradients[0][0] / Float(count)
    if k.accumulateInput[0] {
      for e in 0..<count { dp[e] += (p[e] - t[e]) * scale }
    } else {
      for e in 0..<count { dp[e] = (p[e] - t[e]) * scale }
    }
  }
}

extension MSELoss: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    code.line("let (p, t) = (\(s.input(0)), \(s.input(1)))")
    code.line("var total: Double = 0")
    code.block("for e in 0..<\(count)") { code in
      code.line("let d = p[e] - t[e]")
      code.line("total += Double(d * d)")
    }
    code.line("\(s.outputScalar(0)) = Float(total / Double(\(count)))")
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dp = s.inputGradient(0) else { return }
    let count = StepEmission.rows(s.shapes.inputCount(0))
    code.line("let (p, t, dp) = (\(s.input(0)), \(s.input(1)), \(dp))")
    code.line("let scale = 2 * \(s.outputGradientScalar(0)) / Float(\(count))")
    code.line("for e in 0..<\(count) { dp[e] \(s.accumulatesInput(0) ? "+=" : "=") (p[e] - t[e]) * scale }")
  }
}
