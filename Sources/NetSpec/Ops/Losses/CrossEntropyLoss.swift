import Foundation

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

extension CrossEntropyLoss: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(4), .batchIDs()], idRange: 4),
    OpExample(["label_smoothing": .float(0.1)], inputs: [.batch(3, 5), .batchIDs(3)], idRange: 5),
  ]

  /// Softmax probabilities, kept for the fused backward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.inputCount(0)] }
  public var backwardReads: BackwardReads { .inputsOnly }

  public func forward(_ k: Kernel) {
    let classes = k.shapes.inputs[0].last!
    let rows = k.batch * k.shapes.inputCount(0) / classes
    let smoothing = Float(labelSmoothing)
    var total: Double = 0
    for r in 0..<rows {
      let logits = k.inputs[0] + r * classes
      let p = k.saved[0] + r * classes
      var maxLogit = -Float.infinity
      for c in 0..<classes { maxLogit = max(maxLogit, logits[c]) }
      var sum: Float = 0
      for c in 0..<classes {
        p[c] = expf(logits[c] - maxLogit)
        sum += p[c]
      }
      let logSum = logf(sum) + maxLogit
      let inverse = 1 / sum
      for c in 0..<classes { p[c] *= inverse }
      let target = Int(k.inputs[1][r])
      var loss = logSum - logits[target]
      if smoothing > 0 {
        var meanNegLog: Float = 0
        for c in 0..<classes { meanNegLog += logSum - logits[c] }
        loss = (1 - smoothing) * loss + smoothing * meanNegLog / Float(classes)
      }
      total += Double(loss)
    }
    k.outputs[0][0] = Float(total / Double(rows))
  }

  /// dlogits = (softmax - smoothed one-hot) * dloss / rows, in one pass.
  public func backward(_ k: Kernel) {
    guard k.inputGradients[0] != nil else { return }
    let classes = k.shapes.inputs[0].last!
    let rows = k.batch * k.shapes.inputCount(0) / classes
    let scale = k.outputGradients[0][0] / Float(rows)
    let smoothing = Float(labelSmoothing)
    let uniform = smoothing / Float(classes)
    for r in 0..<rows {
      let target = Int(k.inputs[1][r])
      let p = k.saved[0] + r * classes
      for c in 0..<classes {
        let onehot: Float = (c == target ? 1 - smoothing : 0) + uniform
        k.storeInputGradient(0, r * classes + c, (p[c] - onehot) * scale)
      }
    }
  }
}

extension CrossEntropyLoss: EmittableOperator {
  /// Softmax, log-sum-exp and the loss in one pass per row.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let classes = s.shapes.inputs[0].last!
    let rows = StepEmission.rows(s.shapes.inputCount(0) / classes)
    let smoothing = Float(labelSmoothing)
    code.line("let (logits, targets, probabilities) = (\(s.input(0)), \(s.input(1)), \(s.saved(0)))")
    code.line("var total: Double = 0")
    code.block("for r in 0..<\(rows)") { code in
      code.line("let (x, p) = (logits + r * \(classes), probabilities + r * \(classes))")
      code.line("var maxLogit = -Float.infinity")
      code.line("for c in 0..<\(classes) { maxLogit = max(maxLogit, x[c]) }")
      code.line("var sum: Float = 0")
      code.block("for c in 0..<\(classes)") { code in
        code.line("p[c] = expf(x[c] - maxLogit)")
        code.line("sum += p[c]")
      }
      code.line("let logSum = logf(sum) + maxLogit")
      code.line("let inverse = 1 / sum")
      code.line("for c in 0..<\(classes) { p[c] *= inverse }")
      if smoothing > 0 {
        code.line("var meanNegLog: Float = 0")
        code.line("for c in 0..<\(classes) { meanNegLog += logSum - x[c] }")
        code.line(
          "total += Double(\(StepEmission.literal(1 - smoothing)) * (logSum - x[Int(targets[r])]) + \(StepEmission.literal(smoothing)) * meanNegLog / \(classes))"
        )
      } else {
        code.line("total += Double(logSum - x[Int(targets[r])])")
      }
    }
    code.line("\(s.outputScalar(0)) = Float(total / Double(\(rows)))")
  }

  /// dlogits = (softmax - smoothed one-hot) * dloss / rows, from the saved softmax.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let classes = s.shapes.inputs[0].last!
    let rows = StepEmission.rows(s.shapes.inputCount(0) / classes)
    let smoothing = Float(labelSmoothing)
    let uniform = smoothing / Float(classes)
    code.line("let (targets, probabilities, dx) = (\(s.input(1)), \(s.saved(0)), \(dx))")
    code.line("let scale = \(s.outputGradientScalar(0)) / Float(\(rows))")
    code.block("for r in 0..<\(rows)") { code in
      code.line("let target = Int(targets[r])")
      code.block("for c in 0..<\(classes)") { code in
        code.line(
          "let onehot: Float = (c == target ? \(StepEmission.literal(1 - smoothing)) : 0) + \(StepEmission.literal(uniform))"
        )
        code.line(
          "dx[r * \(classes) + c] \(s.accumulatesInput(0) ? "+=" : "=") (probabilities[r * \(classes) + c] - onehot) * scale"
        )
      }
    }
  }
}
