import NetSpecKernels

/// Batch normalization over the channel axis 1 of `[N, C, ...]` (PyTorch's
/// `BatchNorm1d`/`2d`): per channel, normalize by the batch statistics while
/// training and by the running statistics at inference, then scale and shift.
public struct BatchNorm: Operator {
  public static let schema = OpSchema(
    name: "batchnorm", category: .normalization,
    summary: "Batch normalization over the channel axis 1 of [N, C, ...] inputs.",
    attributes: [
      .default(
        "momentum", .float(0...1), .float(0.1),
        "weight of the new batch in the running statistics (PyTorch's convention)"),
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root"),
    ])

  public let momentum: Double
  public let eps: Double

  public init(_ attributes: Attributes) {
    momentum = attributes.float("momentum")
    eps = attributes.float("eps")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, C, ...]")
    let channels = try ShapeRules.staticSize(x, axis: 1, what: "channel count")
    return Inference(
      outputs: [x],
      parameters: [
        ParameterSpec("weight", [channels], .ones), ParameterSpec("bias", [channels], .zeros),
      ],
      buffers: [
        ParameterSpec("running_mean", [channels], .zeros),
        ParameterSpec("running_var", [channels], .ones),
      ],
      // subtract the mean, multiply by 1/std, scale and shift.
      flops: ShapeRules.flops(x, perElement: 4))
  }
}

extension BatchNorm: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4, 5)]),
    // [N, C] with N = 2: a smoother eps keeps finite differences valid.
    OpExample(["eps": .float(0.1)], inputs: [.batch(4)]),
    OpExample(["momentum": .float(0.5), "eps": .float(1e-3)], inputs: [.batch(2, 3)]),
  ]

  /// The mean and the inverse standard deviation of each channel used by the
  /// forward pass (batch statistics in training, running ones in evaluation).
  /// They are per call, not per sample: only the first `C` floats of each are used.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.inputs[0][0], shapes.inputs[0][0]] }

  /// The backward pass recomputes the normalized input from the input.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per channel (in parallel): the statistics over the batch and spatial axes
  /// (in training; the running ones in evaluation), the running statistics'
  /// update, then `y = (x - mean) * weight / std + bias` (``BatchNormKernels``).
  public func forward(_ k: Kernel) {
    let channels = k.shapes.inputs[0][0]
    BatchNormKernels.forward(
      y: k.outputs[0], mean: k.saved[0], inverseStd: k.saved[1], runningMean: k.buffers[0],
      runningVariance: k.buffers[1], x: k.inputs[0], weight: k.parameters[0], bias: k.parameters[1],
      batch: k.batch, channels: channels, positions: k.shapes.inputCount(0) / channels,
      momentum: Float(momentum), epsilon: Float(eps), training: k.training, pool: k.pool)
  }

  /// Per channel: `db = sum(dy)`, `dw = sum(dy * xhat)` and `dx`, through the
  /// batch statistics in training (``BatchNormKernels``).
  public func backward(_ k: Kernel) {
    let channels = k.shapes.inputs[0][0]
    BatchNormKernels.backward(
      dx: k.inputGradients[0], dWeight: k.parameterGradients[0], dBias: k.parameterGradients[1],
      x: k.inputs[0], dy: k.outputGradients[0], mean: k.saved[0], inverseStd: k.saved[1],
      weight: k.parameters[0], batch: k.batch, channels: channels, positions: k.shapes.inputCount(0) / channels,
      training: k.training, accumulateInput: k.accumulateInput[0], accumulateWeight: k.accumulateParameter[0],
      accumulateBias: k.accumulateParameter[1], pool: k.pool)
  }
}

extension BatchNorm: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let channels = s.shapes.inputs[0][0]
    code.call(
      "BatchNormKernels.forward",
      [
        "y": s.output(0), "mean": s.saved(0), "inverseStd": s.saved(1), "runningMean": s.stateBuffer(0),
        "runningVariance": s.stateBuffer(1), "x": s.input(0), "weight": s.parameter(0), "bias": s.parameter(1),
        "batch": "n", "channels": "\(channels)", "positions": "\(s.shapes.inputCount(0) / channels)",
        "momentum": StepEmission.literal(momentum), "epsilon": StepEmission.literal(eps), "training": "training",
        "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let channels = s.shapes.inputs[0][0]
    let (dx, dWeight, dBias) = (s.inputGradient(0), s.parameterGradient(0), s.parameterGradient(1))
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    code.call(
      "BatchNormKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "x": s.input(0),
        "dy": s.outputGradient(0), "mean": s.saved(0), "inverseStd": s.saved(1), "weight": s.parameter(0),
        "batch": "n", "channels": "\(channels)", "positions": "\(s.shapes.inputCount(0) / channels)",
        "training": "training", "accumulateInput": "\(s.accumulatesInput(0))",
        "accumulateWeight": "\(s.accumulatesParameter(0))", "accumulateBias": "\(s.accumulatesParameter(1))",
        "pool": "pool",
      ])
  }
}

extension BatchNorm: TorchExportable {
  /// `nn.BatchNorm*d` also keeps `num_batches_tracked`, which NetSpec's
  /// weights lack; this module holds exactly NetSpec's four tensors.
  static let torchClass = """
    class BatchNorm(nn.Module):
        \"\"\"Batch normalization over axis 1 (PyTorch's momentum convention, the
        unbiased batch variance in the running variance), holding exactly
        weight, bias, running_mean and running_var.\"\"\"

        def __init__(self, channels, momentum=0.1, eps=1e-05):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels))
            self.register_buffer("running_mean", torch.zeros(channels))
            self.register_buffer("running_var", torch.ones(channels))
            self.momentum, self.eps = momentum, eps

        def forward(self, x):
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, self.training, self.momentum, self.eps
            )
    """

  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    layer.define("BatchNorm", Self.torchClass)
    return "BatchNorm(\(layer.size(axis: 1)), momentum=\(TorchLayer.number(momentum)), eps=\(TorchLayer.number(eps)))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "\(layer.module)(\(layer.x))" }

  /// Why a class of model.py's and not `nn.BatchNorm2d`.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self)
      + ": `nn.BatchNorm1d`/`2d` without `num_batches_tracked`, which NetSpec's weights lack"
  }
}

extension BatchNorm: ONNXExportable {
  /// `BatchNormalization` with the running statistics (inference); ONNX's
  /// momentum weighs the old statistics, PyTorch's the new batch.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let inputs = ["weight", "bias", "running_mean", "running_var"].map(onnx.parameter)
    onnx.add(
      "BatchNormalization", [onnx.inputs[0]] + inputs, onnx.outputs,
      [.float("epsilon", eps), .float("momentum", 1 - momentum)])
  }
}
