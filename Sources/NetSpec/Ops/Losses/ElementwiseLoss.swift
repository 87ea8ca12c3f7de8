import NetSpecKernels

/// A loss of each element of a float32 prediction against a float32 target of
/// the same shape, averaged over every element or summed (``LossReduction``):
/// `mse` and `binary_cross_entropy`. The `reduction` attribute's reading, the
/// target check, the kernel calls of both backends (``LossKernels``'
/// `<kernel>Forward` and `<kernel>Backward`) and the PyTorch call come from
/// here; an op adds its schema, its prediction check (``targetType(for:)``),
/// its kernels and its ONNX form.
protocol ElementwiseLoss: LossOperator, EmittableOperator {
  var reduction: LossReduction { get }

  /// The loss with `reduction` (the memberwise initializer).
  init(reduction: LossReduction)

  /// The two kernels, and the name of the prediction in their arguments and
  /// in diagnostics.
  static var kernels: ElementwiseLossKernels { get }

  /// FLOPs per element.
  static var flopsPerElement: Int { get }

  /// The help for a target of the prediction's shape but not float32, and for
  /// one of another shape (with the expected shape).
  static func targetHelp(sameShape: Bool, expected: String) -> String

  /// The `torch.nn.functional` call: `F.mse_loss`.
  static var torchFunction: String { get }
}

/// The ``LossKernels`` functions of an ``ElementwiseLoss``, for the
/// interpreter, with their name and prediction label for emitted code.
struct ElementwiseLossKernels: Sendable {
  /// `mse` for `LossKernels.mseForward` and `LossKernels.mseBackward`.
  let name: String
  /// The prediction's argument label (`prediction`, `logits`); its
  /// gradient's is `d` and the label capitalized.
  let prediction: String
  /// `(loss, prediction, target, count, average)`.
  let forward: @Sendable (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Int, Bool) -> Void
  /// `(dPrediction, prediction, target, dLoss, count, average, accumulate)`.
  let backward:
    @Sendable (
      UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Int, Bool, Bool
    ) -> Void

  /// The label of the prediction's gradient: `dPrediction`, `dLogits`.
  var predictionGradient: String { "d" + prediction.prefix(1).uppercased() + prediction.dropFirst() }
}

extension ElementwiseLoss {
  /// The loss from its checked `reduction`.
  public init(_ attributes: Attributes) {
    self.init(reduction: LossReduction(attributes))
  }

  /// A scalar, after checking that the target is the prediction's type.
  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let (prediction, target) = (inputs[0], inputs[1])
    let expected = try targetType(for: prediction)
    guard target == expected else {
      let help =
        if target.shape == expected.shape {
          Self.targetHelp(sameShape: true, expected: expected.shape.shapeDescription)
        } else if target.shape.elementCount == expected.shape.elementCount {
          "reshape the target to \(expected.shape.shapeDescription) (shapes are never broadcast)"
        } else {
          Self.targetHelp(sameShape: false, expected: expected.shape.shapeDescription)
        }
      throw ShapeError(
        .badLoss,
        "expected target float32\(expected.shape.shapeDescription) for \(Self.kernels.prediction) \(prediction.shape.shapeDescription), got \(target.dtype.rawValue)\(target.shape.shapeDescription)",
        input: 1, help: help)
    }
    return Inference(outputs: [TensorType([])], flops: ShapeRules.flops(prediction, perElement: Self.flopsPerElement))
  }

  public var backwardReads: BackwardReads { .inputsOnly }

  /// The loss of every element, averaged or summed in double precision.
  public func forward(_ k: Kernel) {
    Self.kernels.forward(
      k.outputs[0], k.inputs[0], k.inputs[1], k.batch * k.shapes.inputCount(0), reduction.average)
  }

  /// The prediction's gradient times dloss (divided by the count for a mean);
  /// the target gets no gradient.
  public func backward(_ k: Kernel) {
    guard let dp = k.inputGradients[0] else { return }
    Self.kernels.backward(
      dp, k.inputs[0], k.inputs[1], k.outputGradients[0], k.batch * k.shapes.inputCount(0), reduction.average,
      k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "LossKernels.\(Self.kernels.name)Forward",
      [
        "loss": s.output(0), Self.kernels.prediction: s.input(0), "target": s.input(1),
        "count": StepEmission.rows(s.shapes.inputCount(0)), "average": "\(reduction.average)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dp = s.inputGradient(0) else { return }
    code.call(
      "LossKernels.\(Self.kernels.name)Backward",
      [
        Self.kernels.predictionGradient: dp, Self.kernels.prediction: s.input(0), "target": s.input(1),
        "dLoss": s.outputGradient(0), "count": StepEmission.rows(s.shapes.inputCount(0)),
        "average": "\(reduction.average)", "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension ElementwiseLoss {
  /// `F.<loss>(prediction, target)`, with `reduction="sum"` for a sum.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(Self.torchFunction)(\(layer.inputs[0]), \(layer.inputs[1])\(reduction.torchArgument))"
  }
}
