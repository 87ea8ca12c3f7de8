import NetSpecKernels

/// Stochastic depth ("drop path"; torchvision's `StochasticDepth(p, "row")`,
/// timm's `DropPath`): while training, zeroes each sample whole with
/// probability `rate` and scales the kept samples by 1 / (1 - rate); the
/// identity at inference. Put on a residual branch before the `add`, it
/// skips the branch for the dropped samples (ConvNeXt, Swin, ViT variants).
public struct DropPath: Operator {
  public static let schema = OpSchema(
    name: "drop_path", category: .regularization,
    summary: "Zeroes whole samples with probability rate while training (stochastic depth; scales the rest).",
    attributes: [
      .required("rate", .float(0...1), "probability of zeroing a sample (PyTorch's `p`, which has no default either)")
    ],
    primary: "rate")

  public let rate: Double
}

extension DropPath: TrainingMask {
  public static let examples = [
    OpExample(["rate": .float(0.5)], inputs: [.batch(3, 4)]),
    OpExample(["rate": .float(0.2)], inputs: [.batch(2, 2, 3)]),
    OpExample(["rate": .float(0)], inputs: [.batch(4)]),
  ]

  /// Scale each element by its sample's mask.
  static var flopsPerElement: Int { 1 }

  /// The mask as one multiplier per sample, 0 (dropped) or 1 / (1 - rate)
  /// (kept); none when `rate` is 0.
  public func savedState(_ shapes: OpShapes) -> [Int] { rate > 0 ? [1] : [] }

  /// Draws one mask value per sample from `SplitMix64(seed: k.seed)` and
  /// applies it (``DropPathKernels``).
  func forwardMasked(_ k: Kernel) {
    DropPathKernels.forward(
      y: k.outputs[0], mask: k.saved[0], x: k.inputs[0], batch: k.batch, size: k.shapes.inputCount(0),
      rate: Float(rate), seed: k.seed)
  }

  /// dx = dy * mask[n].
  func backwardMasked(_ k: Kernel, dx: UnsafeMutablePointer<Float>) {
    DropPathKernels.backward(
      dx: dx, dy: k.outputGradients[0], mask: k.saved[0], batch: k.batch, size: k.shapes.inputCount(0),
      accumulate: k.accumulateInput[0])
  }

  func emitForwardMasked(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "DropPathKernels.forward",
      [
        "y": s.output(0), "mask": s.saved(0), "x": s.input(0), "batch": "n", "size": "\(s.shapes.inputCount(0))",
        "rate": StepEmission.literal(rate), "seed": emittedSeed(s),
      ])
  }

  func emitBackwardMasked(_ s: StepEmission, dx: String, _ code: inout SwiftWriter) {
    code.call(
      "DropPathKernels.backward",
      [
        "dx": dx, "dy": s.outputGradient(0), "mask": s.saved(0), "batch": "n", "size": "\(s.shapes.inputCount(0))",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension DropPath: TorchExportable {
  /// model.py's `drop_path`, torchvision's `stochastic_depth(x, p, "row",
  /// training)` in plain torch; PyTorch draws its own masks.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    layer.define("drop_path", Self.torchFunction)
    return "drop_path(\(layer.x), \(TorchLayer.number(rate)), self.training)"
  }

  /// torchvision's module, and why training is not exact.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self) + ", torchvision's `StochasticDepth(p, \"row\")`; not exact while training: "
      + "PyTorch draws its own masks (the same rate)"
  }

  static let torchFunction = """
    def drop_path(x, p, training):
        \"\"\"Stochastic depth per sample (torchvision's stochastic_depth, mode "row").\"\"\"
        if not training or p == 0.0:
            return x
        keep = 1.0 - p
        mask = torch.empty([x.shape[0]] + [1] * (x.dim() - 1), dtype=x.dtype, device=x.device).bernoulli_(keep)
        return x * (mask / keep if keep > 0.0 else mask)
    """
}

extension DropPath: ONNXExportable {}
