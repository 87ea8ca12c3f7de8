import NetSpecKernels

/// Softmax cross-entropy between logits and int32 class indices, averaged
/// over every scored position (or summed, `reduction: sum`), as
/// `torch.nn.CrossEntropyLoss` (with `label_smoothing` and `ignore_index`).
/// Without `axis` the classes are on the last axis: logits `[N, C]` take
/// targets `[N]`, sequence logits `[N, T, C]` targets `[N, T]`. `axis: 1` reads
/// PyTorch's layout `[N, C, ...]`: `[N, C, T]` takes `[N, T]`, per-pixel logits
/// `[N, C, H, W]` take `[N, H, W]`.
public struct CrossEntropyLoss: LossOperator {
  public static let schema = OpSchema(
    name: "cross_entropy", category: .loss,
    summary:
      "Softmax cross-entropy of logits [N, C], [N, T, C] or, with `axis: 1`, [N, C, ...] against int32 class indices.",
    inputs: .exactly(2),
    attributes: [
      .default(
        "label_smoothing", .float(0...1, exclusiveUpper: true), .float(0),
        "mix the one-hot targets with a uniform distribution by this weight"),
      .optional(
        "axis", .int(-8...8),
        "the class axis of the logits (1 for PyTorch's [N, C, ...], -1 for the last); the last axis of [N, C] or [N, T, C] when absent"
      ),
      .optional(
        "ignore_index", .int(-1_000_000...1_000_000),
        "a target class id that is not scored (padding), as PyTorch's `ignore_index`; every target is scored when absent (PyTorch's default -100 is no class id either)"
      ),
      LossReduction.attribute,
    ])

  public let labelSmoothing: Double
  /// The class axis as written, nil for the last axis of `[N, C]` or `[N, T, C]`.
  public let axis: Int?
  public let ignoreIndex: Int?
  public let reduction: LossReduction

  public init(_ attributes: Attributes) {
    labelSmoothing = attributes.float("label_smoothing")
    axis = attributes.has("axis") ? attributes.int("axis") : nil
    ignoreIndex = attributes.has("ignore_index") ? attributes.int("ignore_index") : nil
    reduction = LossReduction(attributes)
  }

  /// The class axis of logits of rank `rank`, counting the batch axis.
  public func classAxis(rank: Int) -> Int {
    guard let axis else { return rank - 1 }
    return axis < 0 ? rank + axis : axis
  }

  public func targetType(for prediction: TensorType) throws(ShapeError) -> TensorType {
    guard prediction.dtype == .float32 else {
      throw ShapeError(
        .badLoss,
        "expected float32 logits, got \(prediction.dtype.rawValue)\(prediction.shape.shapeDescription)",
        input: 0, help: "pass the scores of the last `dense` layer as the logits")
    }
    let rank = prediction.rank
    if axis == nil {
      guard rank == 2 || rank == 3 else {
        throw ShapeError(
          .badLoss,
          "expected logits [N, C] or [N, T, C] (classes last), got \(prediction.shape.shapeDescription)",
          input: 0,
          help: rank > 3
            ? "end the network with `flatten` and `dense: C` for one class per sample; "
              + "for a class per pixel in PyTorch's layout [N, C, H, W] write `axis: 1`"
            : "end the network with `dense: C` for C classes, after `flatten` if needed")
      }
      guard prediction.shape[rank - 1].staticValue != nil else {
        throw ShapeError(
          .badLoss,
          "the classes would be on the last axis of \(prediction.shape.shapeDescription), whose size \(prediction.shape[rank - 1]) is not fixed",
          input: 0, help: "for PyTorch's layout [N, C, T] write `axis: 1`")
      }
    }
    let classAxis = classAxis(rank: rank)
    guard classAxis >= 1, classAxis < rank else {
      throw ShapeError(
        .badLoss,
        "axis \(axis ?? 0) is not a class axis of logits \(prediction.shape.shapeDescription)",
        attribute: "axis", help: "the class axis is one of 1...\(rank - 1) (or -\(rank - 1)...-1); axis 0 is the batch")
    }
    guard let classes = prediction.shape[classAxis].staticValue else {
      throw ShapeError(
        .badLoss,
        "the class axis \(classAxis) of logits \(prediction.shape.shapeDescription) has no fixed size",
        attribute: axis == nil ? nil : "axis", help: "the number of classes must be a number, not a symbol")
    }
    guard classes != 1 else {
      throw ShapeError(
        .badLoss,
        "expected at least 2 classes, got logits \(prediction.shape.shapeDescription)",
        input: 0, help: "for a single yes/no logit use `binary_cross_entropy`")
    }
    var targetShape = prediction.shape
    targetShape.remove(at: classAxis)
    return TensorType(targetShape, .int32)
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

  /// The kernels' layout of per-sample logits `shape` (without the batch
  /// axis): the classes, and the positions after the class axis (`inner`).
  func layout(_ shape: [Int]) -> (classes: Int, inner: Int) {
    let axis = classAxis(rank: shape.count + 1) - 1
    return (shape[axis], shape[(axis + 1)...].reduce(1, *))
  }
}

extension CrossEntropyLoss: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(4), .batchIDs()], idRange: 4),
    OpExample(["label_smoothing": .float(0.1)], inputs: [.batch(3, 5), .batchIDs(3)], idRange: 5),
    OpExample(["axis": .int(1), "reduction": .string("sum")], inputs: [.batch(3, 4), .batchIDs(4)], idRange: 3),
    OpExample(
      ["axis": .int(1), "ignore_index": .int(1), "label_smoothing": .float(0.2)],
      inputs: [.batch(3, 2, 2), .batchIDs(2, 2)], idRange: 3),
  ]

  /// Softmax probabilities, kept for the fused backward pass.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.inputCount(0)] }
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Softmax, log-sum-exp and the loss in one pass per position (``LossKernels``).
  public func forward(_ k: Kernel) {
    let (classes, inner) = layout(k.shapes.inputs[0])
    LossKernels.crossEntropyForward(
      loss: k.outputs[0], probabilities: k.saved[0], logits: k.inputs[0], targets: k.inputs[1],
      rows: k.batch * k.shapes.inputCount(0) / (classes * inner), classes: classes, inner: inner,
      smoothing: Float(labelSmoothing), ignoreIndex: ignoreIndex, average: reduction.average)
  }

  /// dlogits = (softmax - smoothed one-hot) * dloss / positions, in one pass.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (classes, inner) = layout(k.shapes.inputs[0])
    LossKernels.crossEntropyBackward(
      dLogits: dx, probabilities: k.saved[0], targets: k.inputs[1], dLoss: k.outputGradients[0],
      rows: k.batch * k.shapes.inputCount(0) / (classes * inner), classes: classes, inner: inner,
      smoothing: Float(labelSmoothing), ignoreIndex: ignoreIndex, average: reduction.average,
      accumulate: k.accumulateInput[0])
  }
}

extension CrossEntropyLoss: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (classes, inner) = layout(s.shapes.inputs[0])
    code.call(
      "LossKernels.crossEntropyForward",
      [
        "loss": s.output(0), "probabilities": s.saved(0), "logits": s.input(0), "targets": s.input(1),
        "rows": StepEmission.rows(s.shapes.inputCount(0) / (classes * inner)), "classes": "\(classes)",
        "inner": "\(inner)", "smoothing": StepEmission.literal(labelSmoothing),
        "ignoreIndex": ignoreIndex.map(String.init) ?? "nil", "average": "\(reduction.average)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (classes, inner) = layout(s.shapes.inputs[0])
    code.call(
      "LossKernels.crossEntropyBackward",
      [
        "dLogits": dx, "probabilities": s.saved(0), "targets": s.input(1), "dLoss": s.outputGradient(0),
        "rows": StepEmission.rows(s.shapes.inputCount(0) / (classes * inner)), "classes": "\(classes)",
        "inner": "\(inner)", "smoothing": StepEmission.literal(labelSmoothing),
        "ignoreIndex": ignoreIndex.map(String.init) ?? "nil", "average": "\(reduction.average)",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension CrossEntropyLoss: TorchExportable {
  /// Sequence logits `[N, T, C]` (classes last) are scored as `N·T` rows;
  /// logits with the classes on axis 1 go to `F.cross_entropy` as they are,
  /// on another axis moved there.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let rank = layer.inputTypes[0].rank
    let classAxis = classAxis(rank: rank)
    let (logits, target): (String, String) =
      if axis == nil && rank == 3 {
        ("\(layer.inputs[0]).reshape(-1, \(layer.size(axis: -1)))", "\(layer.inputs[1]).reshape(-1).long()")
      } else if classAxis == 1 {
        (layer.inputs[0], "\(layer.inputs[1]).long()")
      } else {
        ("\(layer.inputs[0]).movedim(\(classAxis), 1)", "\(layer.inputs[1]).long()")
      }
    let smoothing = labelSmoothing > 0 ? ", label_smoothing=\(TorchLayer.number(labelSmoothing))" : ""
    let ignore = ignoreIndex.map { ", ignore_index=\($0)" } ?? ""
    return "F.cross_entropy(\(logits), \(target)\(smoothing)\(ignore)\(reduction.torchArgument))"
  }
}

extension CrossEntropyLoss: ONNXExportable {
  /// `-mean((1 - s) log p[target] + s mean_c(log p))` with `LogSoftmax` over the
  /// class axis and `GatherElements` of the int32 targets (`--training`); `s`
  /// is `label_smoothing`. With `ignore_index`, the ignored positions gather
  /// class 0, are multiplied by 0 and left out of the mean's count.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (logits, targets) = (onnx.inputs[0], onnx.inputs[1])
    let axis = classAxis(rank: onnx.inputTypes[0].rank)
    let (logp, expanded, picked) = (
      onnx.temporary("log_probabilities"), onnx.temporary("indices_expanded"), onnx.temporary("picked")
    )
    onnx.add("LogSoftmax", [logits], [logp], [.int("axis", axis)])
    var indices = onnx.temporary("indices")
    onnx.add("Cast", [targets], [indices], [.int("to", 7)])  // 7: int64
    var valid: String?
    if let ignoreIndex {
      let (ignored, validMask, kept) = (onnx.temporary("ignored"), onnx.temporary("valid"), onnx.temporary("kept"))
      onnx.add("Equal", [indices, onnx.int64s("ignore_index", [ignoreIndex])], [ignored])
      onnx.add("Where", [ignored, onnx.int64s("zero_index", [0]), indices], [kept])
      onnx.add("Not", [ignored], [validMask])
      valid = onnx.temporary("valid_float")
      onnx.add("Cast", [validMask], [valid!], [.int("to", 1)])  // 1: float
      indices = kept
    }
    onnx.add("Unsqueeze", [indices, onnx.int64s("class_axis", [axis])], [expanded])
    onnx.add("GatherElements", [logp, expanded], [picked], [.int("axis", axis)])
    var score = picked
    if labelSmoothing > 0 {
      let (uniform, kept, spread) = (onnx.temporary("uniform"), onnx.temporary("kept"), onnx.temporary("spread"))
      score = onnx.temporary("smoothed")
      onnx.add("ReduceMean", [logp], [uniform], [.ints("axes", [axis]), .int("keepdims", 1)])
      onnx.add("Mul", [picked, onnx.scalar("target_weight", Float(1 - labelSmoothing))], [kept])
      onnx.add("Mul", [uniform, onnx.scalar("smoothing", Float(labelSmoothing))], [spread])
      onnx.add("Add", [kept, spread], [score])
    }
    let total = onnx.temporary("total")
    if let valid {
      let (validExpanded, masked) = (onnx.temporary("valid_expanded"), onnx.temporary("masked"))
      onnx.add("Unsqueeze", [valid, onnx.int64s("valid_axis", [axis])], [validExpanded])
      onnx.add("Mul", [score, validExpanded], [masked])
      if reduction.average {
        let (sum, count) = (onnx.temporary("sum"), onnx.temporary("count"))
        onnx.add("ReduceSum", [masked], [sum], [.int("keepdims", 0)])
        onnx.add("ReduceSum", [valid], [count], [.int("keepdims", 0)])
        onnx.add("Div", [sum, count], [total])
      } else {
        onnx.add("ReduceSum", [masked], [total], [.int("keepdims", 0)])
      }
    } else {
      onnx.add(reduction.onnxReduce, [score], [total], [.int("keepdims", 0)])
    }
    onnx.add("Neg", [total], onnx.outputs)
  }
}
