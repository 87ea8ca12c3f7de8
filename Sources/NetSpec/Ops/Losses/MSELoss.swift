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

  public init(_ attributes: Attributes) {
    reduction = LossReduction(attributes)
  }

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
    OpExample(["reduction": .string("sum")], inputs: [.batch(3), .batch(3)]),
  ]
  public var backwardReads: BackwardReads { .inputsOnly }

  /// mean((p - t)^2) (or the sum) over every element, summed in double precision.
  public func forward(_ k: Kernel) {
    LossKernels.mseForward(
      loss: k.outputs[0], prediction: k.inputs[0], target: k.inputs[1], count: k.batch * k.shapes.inputCount(0),
      average: reduction.average)
  }

  /// dp = 2 (p - t) * dloss / count (no division for a sum); the target gets no gradient.
  public func backward(_ k: Kernel) {
    guard let dp = k.inputGradients[0] else { return }
    LossKernels.mseBackward(
      dPrediction: dp, prediction: k.inputs[0], target: k.inputs[1], dLoss: k.outputGradients[0],
      count: k.batch * k.shapes.inputCount(0), average: reduction.average, accumulate: k.accumulateInput[0])
  }
}

extension MSELoss: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "LossKernels.mseForward",
      [
        "loss": s.output(0), "prediction": s.input(0), "target": s.input(1),
        "count": StepEmission.rows(s.shapes.inputCount(0)), "average": "\(reduction.average)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dp = s.inputGradient(0) else { return }
    code.call(
      "LossKernels.mseBackward",
      [
        "dPrediction": dp, "prediction": s.input(0), "target": s.input(1), "dLoss": s.outputGradient(0),
        "count": StepEmission.rows(s.shapes.inputCount(0)), "average": "\(reduction.average)",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension MSELoss: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.mse_loss(\(layer.inputs[0]), \(layer.inputs[1])\(reduction.torchArgument))"
  }
}

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
