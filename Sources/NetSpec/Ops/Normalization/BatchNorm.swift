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
  /// (two passes, accumulated in Double), the running statistics' update, then
  /// `y = x * scale + shift` with `scale = weight / std`, `shift = bias - mean * scale`.
  public func forward(_ k: Kernel) {
    let channels = k.shapes.inputs[0][0]
    let positions = k.shapes.inputCount(0) / channels
    let count = k.batch * positions
    k.pool.parallelRanges(channels, grain: max(1, 16_384 / count)) { channelRange in
      let (x, y) = (k.inputs[0], k.outputs[0])
      let (runningMean, runningVariance) = (k.buffers[0], k.buffers[1])
      for c in channelRange {
        var mean = runningMean[c]
        var variance = runningVariance[c]
        if k.training {
          var sum: Double = 0
          for n in 0..<k.batch { sum += Double(Reductions.sum(x + (n * channels + c) * positions, count: positions)) }
          mean = Float(sum / Double(count))
          var squares: Double = 0
          for n in 0..<k.batch {
            squares += Double(
              Reductions.squaredDeviations(x + (n * channels + c) * positions, from: mean, count: positions))
          }
          variance = Float(squares / Double(count))
          let unbiased = count > 1 ? Float(squares / Double(count - 1)) : variance
          let momentum = Float(self.momentum)
          runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
          runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * unbiased
        }
        let inverseStd = 1 / (variance + Float(eps)).squareRoot()
        k.saved[0][c] = mean
        k.saved[1][c] = inverseStd
        let scale = k.parameters[0][c] * inverseStd
        let shift = k.parameters[1][c] - mean * scale
        for n in 0..<k.batch {
          let offset = (n * channels + c) * positions
          for i in 0..<positions { y[offset + i] = x[offset + i] * scale + shift }
        }
      }
    }
  }

  /// Per channel: `db = sum(dy)`, `dw = sum(dy * xhat)` and, in training,
  /// `dx = weight / std * (dy - db / m - xhat * dw / m)` over the `m` values of the
  /// channel; in evaluation the statistics are constants, so `dx = weight / std * dy`.
  public func backward(_ k: Kernel) {
    let channels = k.shapes.inputs[0][0]
    let positions = k.shapes.inputCount(0) / channels
    let count = k.batch * positions
    k.pool.parallelRanges(channels, grain: max(1, 16_384 / count)) { channelRange in
      let (x, dy) = (k.inputs[0], k.outputGradients[0])
      for c in channelRange {
        let (mean, inverseStd) = (k.saved[0][c], k.saved[1][c])
        var sumDy: Double = 0
        var sumDyCentered: Double = 0
        for n in 0..<k.batch {
          let offset = (n * channels + c) * positions
          sumDy += Double(Reductions.sum(dy + offset, count: positions))
          sumDyCentered += Double(Reductions.centeredDot(x + offset, from: mean, dy + offset, count: positions))
        }
        k.storeParameterGradient(0, c, Float(sumDyCentered) * inverseStd)
        k.storeParameterGradient(1, c, Float(sumDy))
        guard let dx = k.inputGradients[0] else { continue }
        // dx = a * dy + b * x + c0.
        let a = k.parameters[0][c] * inverseStd
        let b = k.training ? -a * inverseStd * inverseStd * Float(sumDyCentered / Double(count)) : 0
        let c0 = k.training ? -a * Float(sumDy / Double(count)) - b * mean : 0
        for n in 0..<k.batch {
          let offset = (n * channels + c) * positions
          if k.accumulateInput[0] {
            for i in 0..<positions { dx[offset + i] += a * dy[offset + i] + b * x[offset + i] + c0 }
          } else {
            for i in 0..<positions { dx[offset + i] = a * dy[offset + i] + b * x[offset + i] + c0 }
          }
        }
      }
    }
  }
}
