import NetSpecKernels

/// The KL divergence of a diagonal Gaussian N(mu, exp(logvar)) from the
/// standard normal N(0, I), the regularizer of a variational autoencoder:
/// `-0.5 * sum(1 + logvar - mu^2 - exp(logvar))` summed over the features and
/// averaged over the batch (`reduction: mean`, the VAE paper's per-sample
/// term, PyTorch's `reduction="batchmean"` idea), or summed over everything
/// (`reduction: sum`, as the PyTorch VAE example). It reads two layers,
/// `from: [mu, logvar]`, and no target.
public struct KLDivergenceLoss: ObjectiveOperator {
  public static let schema = OpSchema(
    name: "kl_divergence", category: .loss,
    summary: "KL divergence of N(mu, exp(logvar)) from N(0, I), from: [mu, logvar]; no target.",
    inputs: .exactly(2),
    attributes: [
      .default(
        "reduction", .choice(["mean", "sum"]), .string("mean"),
        "`mean` sums over the features and averages over the samples (the VAE paper's term), `sum` adds up everything"
      )
    ])

  public let reduction: LossReduction

  public init(_ attributes: Attributes) {
    reduction = LossReduction(attributes)
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let (mu, logVariance) = (inputs[0], inputs[1])
    for (i, x) in inputs.enumerated() {
      guard x.dtype == .float32, x.rank >= 2 else {
        throw ShapeError(
          .badLoss,
          "expected the \(i == 0 ? "mean" : "log-variance") as float32 [N, D], got \(x.dtype.rawValue)\(x.shape.shapeDescription)",
          input: i, help: "read two `dense` layers of the encoder: `from: [mu, logvar]`")
      }
    }
    guard mu.shape == logVariance.shape else {
      throw ShapeError(
        .badLoss,
        "the mean \(mu.shape.shapeDescription) and the log-variance \(logVariance.shape.shapeDescription) differ in shape",
        input: 1, help: "give both layers the same number of units, the size of the latent code")
    }
    return Inference(outputs: [TensorType([])], flops: ShapeRules.flops(mu, perElement: 6))
  }
}

extension KLDivergenceLoss: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(4), .batch(4)]),
    OpExample(["reduction": .string("sum")], inputs: [.batch(2, 3), .batch(2, 3)]),
  ]
  public var backwardReads: BackwardReads { .inputsOnly }

  /// -0.5 sum(1 + lv - mu^2 - exp(lv)) / N (or the sum) (``LossKernels``).
  public func forward(_ k: Kernel) {
    LossKernels.klDivergenceForward(
      loss: k.outputs[0], mu: k.inputs[0], logVariance: k.inputs[1], rows: k.batch,
      features: k.shapes.inputCount(0), average: reduction.average)
  }

  /// dmu = mu dloss / N, dlogvar = 0.5 (exp(lv) - 1) dloss / N.
  public func backward(_ k: Kernel) {
    LossKernels.klDivergenceBackward(
      dMu: k.inputGradients[0], dLogVariance: k.inputGradients[1], mu: k.inputs[0], logVariance: k.inputs[1],
      dLoss: k.outputGradients[0], rows: k.batch, features: k.shapes.inputCount(0), average: reduction.average,
      accumulateMu: k.accumulateInput[0], accumulateLogVariance: k.accumulateInput[1])
  }
}

extension KLDivergenceLoss: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "LossKernels.klDivergenceForward",
      [
        "loss": s.output(0), "mu": s.input(0), "logVariance": s.input(1), "rows": "n",
        "features": "\(s.shapes.inputCount(0))", "average": "\(reduction.average)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard s.inputGradient(0) != nil || s.inputGradient(1) != nil else { return }
    code.call(
      "LossKernels.klDivergenceBackward",
      [
        "dMu": s.inputGradient(0) ?? "nil", "dLogVariance": s.inputGradient(1) ?? "nil", "mu": s.input(0),
        "logVariance": s.input(1), "dLoss": s.outputGradient(0), "rows": "n",
        "features": "\(s.shapes.inputCount(0))", "average": "\(reduction.average)",
        "accumulateMu": "\(s.accumulatesInput(0))", "accumulateLogVariance": "\(s.accumulatesInput(1))",
      ])
  }
}

extension KLDivergenceLoss: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let (mu, logVariance) = (layer.inputs[0], layer.inputs[1])
    let total = "-0.5 * torch.sum(1 + \(logVariance) - \(mu).pow(2) - \(logVariance).exp())"
    return reduction.average ? "\(total) / \(mu).shape[0]" : total
  }

  /// Its inputs, and why not `F.kl_div`.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self)
      + " (`prediction` is mu, `target` logvar): the VAE's closed-form KL divergence of "
      + "N(mu, exp(logvar)) from N(0, 1); PyTorch's `F.kl_div` compares two distributions given as tensors instead"
  }
}

extension KLDivergenceLoss: ONNXExportable {
  /// `-0.5 * (1 + lv - mu^2 - exp(lv))`, summed over the features and averaged
  /// over the samples (`ReduceSum` over axes 1..., then `ReduceMean`) for
  /// `mean`, summed over everything for `sum` (`--training`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (mu, logVariance) = (onnx.inputs[0], onnx.inputs[1])
    let (squared, exponential, shifted, difference, terms, total) = (
      onnx.temporary("mu_squared"), onnx.temporary("variance"), onnx.temporary("shifted"),
      onnx.temporary("difference"), onnx.temporary("terms"), onnx.temporary("total")
    )
    onnx.add("Mul", [mu, mu], [squared])
    onnx.add("Exp", [logVariance], [exponential])
    onnx.add("Add", [logVariance, onnx.scalar("one", 1)], [shifted])
    onnx.add("Sub", [shifted, squared], [difference])
    onnx.add("Sub", [difference, exponential], [terms])
    if reduction.average {
      let perSample = onnx.temporary("per_sample")
      let features = Array(1..<onnx.inputTypes[0].rank)
      onnx.add("ReduceSum", [terms, onnx.int64s("feature_axes", features)], [perSample], [.int("keepdims", 0)])
      onnx.add("ReduceMean", [perSample], [total], [.int("keepdims", 0)])
    } else {
      onnx.add("ReduceSum", [terms], [total], [.int("keepdims", 0)])
    }
    onnx.add("Mul", [total, onnx.scalar("minus_half", -0.5)], onnx.outputs)
  }
}
