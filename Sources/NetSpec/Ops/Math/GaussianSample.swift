import NetSpecKernels

/// The reparameterized sample of a diagonal Gaussian (a VAE's latent code):
/// from `[mu, logvar]`, `z = mu + exp(logvar / 2) * eps` with `eps ~ N(0, 1)`
/// while training; `mu` itself in evaluation and prediction unless `always`
/// is set. `eps` comes from NetSpec's seeded generator, one stream per node
/// and forward pass as dropout's masks, so a run is deterministic under the
/// spec's seed (and cannot match PyTorch's `torch.randn_like` draws).
public struct GaussianSample: Operator {
  public static let schema = OpSchema(
    name: "gaussian_sample", category: .math,
    summary: "Reparameterized sample mu + exp(logvar / 2) * eps of inputs [mu, logvar] (mu in evaluation).",
    inputs: .exactly(2),
    attributes: [
      .default(
        "always", .bool, .bool(false),
        "also draw a sample in evaluation and prediction (by default they return the mean mu)")
    ])

  public let always: Bool

  public init(_ attributes: Attributes) {
    always = attributes.bool("always")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    try ShapeRules.requireSameShape(
      inputs, help: "`gaussian_sample` takes [mu, logvar] of one shape, e.g. two `dense` layers of the latent width")
    // The exp and its halving, the draw (counted as one), a multiply and an add.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension GaussianSample: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4), .batch(3, 4)]),
    OpExample(["always": .bool(true)], inputs: [.batch(2, 2, 3), .batch(2, 2, 3)]),
  ]

  /// Training (or `always`): draws `eps` from `SplitMix64(seed: k.seed)`;
  /// otherwise copies `mu`.
  public func forward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    guard k.training || always else { return CopyKernel.copy(k.inputs[0], k.outputs[0], count: count) }
    SamplingKernels.gaussianForward(
      z: k.outputs[0], mu: k.inputs[0], logvar: k.inputs[1], count: count, seed: k.seed)
  }

  public func backward(_ k: Kernel) {
    SamplingKernels.gaussianBackward(
      dMu: k.inputGradients[0], dLogvar: k.inputGradients[1], dz: k.outputGradients[0], mu: k.inputs[0],
      z: k.outputs[0], count: k.batch * k.shapes.inputCount(0), accumulateMu: k.accumulateInput[0],
      accumulateLogvar: k.accumulateInput[1])
  }
}

extension GaussianSample: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    if !always {
      code.block("guard training else") { code in
        code.line("return CopyKernel.copy(\(s.input(0)), \(s.output(0)), count: \(count))")
      }
    }
    code.call(
      "SamplingKernels.gaussianForward",
      [
        "z": s.output(0), "mu": s.input(0), "logvar": s.input(1), "count": count,
        "seed": "SplitMix64.mix(seed, \(s.step.node), forwardPasses)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "SamplingKernels.gaussianBackward",
      [
        "dMu": s.inputGradient(0) ?? "nil", "dLogvar": s.inputGradient(1) ?? "nil", "dz": s.outputGradient(0),
        "mu": s.input(0), "z": s.output(0), "count": StepEmission.rows(s.shapes.inputCount(0)),
        "accumulateMu": "\(s.accumulatesInput(0))", "accumulateLogvar": "\(s.accumulatesInput(1))",
      ])
  }
}

extension GaussianSample: TorchExportable {
  /// `mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)` while training (or
  /// always), `mu` otherwise: PyTorch draws its own `eps`.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let (mu, logvar) = (layer.inputs[0], layer.inputs[1])
    let sample = "\(mu) + torch.exp(0.5 * \(logvar)) * torch.randn_like(\(mu))"
    return always ? "(\(sample))" : "((\(sample)) if self.training else \(mu))"
  }

  /// Not exact when it samples: `eps` is drawn differently.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self)
      + " (`x0` is mu, `x1` logvar); not exact when it samples: PyTorch draws its own `eps`"
  }
}

extension GaussianSample: ONNXExportable {
  /// Inference: `Identity` of `mu`, or with `always`, `RandomNormalLike`
  /// scaled by `Exp(0.5 * logvar)` and added to `mu` (ONNX Runtime's draws).
  func exportONNX(_ onnx: ONNXNodeContext) {
    guard always else { return onnx.add("Identity", [onnx.inputs[0]], onnx.outputs) }
    let (eps, half, std, noise) = (
      onnx.temporary("eps"), onnx.temporary("half_logvar"), onnx.temporary("std"), onnx.temporary("noise")
    )
    onnx.add("RandomNormalLike", [onnx.inputs[0]], [eps])
    onnx.add("Mul", [onnx.inputs[1], onnx.scalar("half", 0.5)], [half])
    onnx.add("Exp", [half], [std])
    onnx.add("Mul", [std, eps], [noise])
    onnx.add("Add", [onnx.inputs[0], noise], onnx.outputs)
  }
}
