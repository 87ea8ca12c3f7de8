import NetSpecDiagnostics
import NetSpecKernels

/// The objective of a `train.loss` list: the weighted sum of its terms'
/// scalar losses, `sum_i weight_i * loss_i`. Lowering adds it after the terms;
/// it is not an op a spec names, so it is not in ``OpRegistry``, and the
/// terms stay separate values for the per-term metrics.
public struct LossSum: ObjectiveOperator {
  public static let schema = OpSchema(
    name: "loss_sum", category: .loss,
    summary: "The weighted sum of the loss terms of a `train.loss` list.",
    inputs: .atLeast(1))

  /// One weight per input term.
  public let weights: [Double]

  public init(weights: [Double]) {
    self.weights = weights
  }

  /// The weights from the attribute `weights`, a list of numbers.
  public init(_ attributes: Attributes) {
    guard case .list(let values) = attributes.values["weights"] else {
      weights = []
      return
    }
    weights = values.compactMap(\.doubleValue)
  }

  /// The attributes of a sum with these weights, written at `span` (the
  /// node's attributes, as `netspec plan` prints them).
  static func attributes(weights: [Double], span: SourceSpan) -> Attributes {
    Attributes(values: ["weights": .list(weights.map { SpecValue(.float($0), span: span) })], spans: [:])
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, term) in inputs.enumerated() where term != TensorType([]) {
      throw ShapeError(.badLoss, "expected a scalar loss term, got \(term)", input: i)
    }
    return Inference(outputs: [TensorType([])], flops: Dim(2 * inputs.count))
  }
}

extension LossSum: ExecutableOperator {
  public static let examples: [OpExample] = []
  public var backwardReads: BackwardReads { .nothing }

  /// total = sum_i weight_i * term_i (``LossKernels/addWeighted(total:term:weight:accumulate:)``).
  public func forward(_ k: Kernel) {
    for (i, term) in k.inputs.enumerated() {
      LossKernels.addWeighted(total: k.outputs[0], term: term, weight: Float(weights[i]), accumulate: i > 0)
    }
  }

  /// dterm_i = weight_i * dtotal.
  public func backward(_ k: Kernel) {
    for (i, dTerm) in k.inputGradients.enumerated() {
      guard let dTerm else { continue }
      LossKernels.addWeighted(
        total: dTerm, term: k.outputGradients[0], weight: Float(weights[i]), accumulate: k.accumulateInput[i])
    }
  }
}

extension LossSum: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    for i in s.step.inputs.indices {
      code.call(
        "LossKernels.addWeighted",
        [
          "total": s.output(0), "term": s.input(i), "weight": StepEmission.literal(weights[i]),
          "accumulate": "\(i > 0)",
        ])
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    for i in s.step.inputGradients.indices {
      guard let dTerm = s.inputGradient(i) else { continue }
      code.call(
        "LossKernels.addWeighted",
        [
          "total": dTerm, "term": s.outputGradient(0), "weight": StepEmission.literal(weights[i]),
          "accumulate": "\(s.accumulatesInput(i))",
        ])
    }
  }
}

extension LossSum: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    zip(weights, layer.inputs).map { "\(TorchLayer.number($0)) * \($1)" }.joined(separator: " + ")
  }
}

extension LossSum: ONNXExportable {
  /// `Mul` of each term by its weight, then `Sum` (`--training`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let weighted = onnx.inputs.indices.map { onnx.temporary("weighted_\($0)") }
    for (i, term) in onnx.inputs.enumerated() {
      onnx.add("Mul", [term, onnx.scalar("weight_\(i)", Float(weights[i]))], [weighted[i]])
    }
    onnx.add("Sum", weighted, onnx.outputs)
  }
}
