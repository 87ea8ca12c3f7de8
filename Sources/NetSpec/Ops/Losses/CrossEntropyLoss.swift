import NetSpecKernels

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

  /// Softmax, log-sum-exp and the loss in one pass per row (``LossKernels``).
  public func forward(_ k: Kernel) {
    let classes = k.shapes.inputs[0].last!
    LossKernels.crossEntropyForward(
      loss: k.outputs[0], probabilities: k.saved[0], logits: k.inputs[0], targets: k.inputs[1],
      rows: k.batch * k.shapes.inputCount(0) / classes, classes: classes, smoothing: Float(labelSmoothing))
  }

  /// dlogits = (softmax - smoothed one-hot) * dloss / rows, in one pass.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let classes = k.shapes.inputs[0].last!
    LossKernels.crossEntropyBackward(
      dLogits: dx, probabilities: k.saved[0], targets: k.inputs[1], dLoss: k.outputGradients[0],
      rows: k.batch * k.shapes.inputCount(0) / classes, classes: classes, smoothing: Float(labelSmoothing),
      accumulate: k.accumulateInput[0])
  }
}

extension CrossEntropyLoss: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let classes = s.shapes.inputs[0].last!
    code.call(
      "LossKernels.crossEntropyForward",
      [
        "loss": s.output(0), "probabilities": s.saved(0), "logits": s.input(0), "targets": s.input(1),
        "rows": StepEmission.rows(s.shapes.inputCount(0) / classes), "classes": "\(classes)",
        "smoothing": StepEmission.literal(labelSmoothing),
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let classes = s.shapes.inputs[0].last!
    code.call(
      "LossKernels.crossEntropyBackward",
      [
        "dLogits": dx, "probabilities": s.saved(0), "targets": s.input(1), "dLoss": s.outputGradient(0),
        "rows": StepEmission.rows(s.shapes.inputCount(0) / classes), "classes": "\(classes)",
        "smoothing": StepEmission.literal(labelSmoothing), "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension CrossEntropyLoss: TorchExportable {
  /// Sequence logits `[N, T, C]` are scored as `N·T` rows, the mean over all.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let classes = layer.size(axis: -1)
    let (logits, target) =
      layer.inputTypes[0].rank == 3
      ? ("\(layer.inputs[0]).reshape(-1, \(classes))", "\(layer.inputs[1]).reshape(-1).long()")
      : (layer.inputs[0], "\(layer.inputs[1]).long()")
    let smoothing = labelSmoothing > 0 ? ", label_smoothing=\(TorchLayer.number(labelSmoothing))" : ""
    return "F.cross_entropy(\(logits), \(target)\(smoothing))"
  }
}

extension CrossEntropyLoss: ONNXExportable {
  /// `-mean((1 - s) log p[target] + s mean_c(log p))` with `LogSoftmax` over the
  /// classes and `GatherElements` of the int32 targets (`--training`); `s` is
  /// `label_smoothing`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (logits, targets) = (onnx.inputs[0], onnx.inputs[1])
    let (logp, indices, expanded, picked) = (
      onnx.temporary("log_probabilities"), onnx.temporary("indices"), onnx.temporary("indices_expanded"),
      onnx.temporary("picked")
    )
    onnx.add("LogSoftmax", [logits], [logp], [.int("axis", -1)])
    onnx.add("Cast", [targets], [indices], [.int("to", 7)])  // 7: int64
    onnx.add("Unsqueeze", [indices, onnx.int64s("class_axis", [-1])], [expanded])
    onnx.add("GatherElements", [logp, expanded], [picked], [.int("axis", -1)])
    var score = picked
    if labelSmoothing > 0 {
      let (uniform, kept, spread) = (onnx.temporary("uniform"), onnx.temporary("kept"), onnx.temporary("spread"))
      score = onnx.temporary("smoothed")
      onnx.add("ReduceMean", [logp], [uniform], [.ints("axes", [-1]), .int("keepdims", 1)])
      onnx.add("Mul", [picked, onnx.scalar("target_weight", Float(1 - labelSmoothing))], [kept])
      onnx.add("Mul", [uniform, onnx.scalar("smoothing", Float(labelSmoothing))], [spread])
      onnx.add("Add", [kept, spread], [score])
    }
    let mean = onnx.temporary("mean")
    onnx.add("ReduceMean", [score], [mean], [.int("keepdims", 0)])
    onnx.add("Neg", [mean], onnx.outputs)
  }
}
