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

extension BatchNorm: EmittableOperator {
  /// As the interpreter: per channel, batch statistics (training) or running
  /// ones, the running update, then one multiply-add per element.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let channels = s.shapes.inputs[0][0]
    let positions = s.shapes.inputCount(0) / channels
    let momentum = StepEmission.literal(Float(self.momentum))
    code.closure("pool.parallelRanges(\(channels), grain: max(1, 16_384 / (n * \(positions)))) { channelRange in") {
      code in
      code.line("let (x, y, weight, bias) = (\(s.input(0)), \(s.output(0)), \(s.parameter(0)), \(s.parameter(1)))")
      code.line("let (runningMean, runningVariance) = (\(s.stateBuffer(0)), \(s.stateBuffer(1)))")
      code.line("let (savedMean, savedInverseStd) = (\(s.saved(0)), \(s.saved(1)))")
      code.block("for c in channelRange") { code in
        code.line("var mean = runningMean[c]")
        code.line("var variance = runningVariance[c]")
        code.block("if training") { code in
          code.line("var sum: Double = 0")
          code.line(
            "for i in 0..<n { sum += Double(Reductions.sum(x + (i * \(channels) + c) * \(positions), count: \(positions))) }"
          )
          code.line("mean = Float(sum / Double(n * \(positions)))")
          code.line("var squares: Double = 0")
          code.block("for i in 0..<n") { code in
            code.line(
              "squares += Double(Reductions.squaredDeviations(x + (i * \(channels) + c) * \(positions), from: mean, count: \(positions)))"
            )
          }
          code.line("variance = Float(squares / Double(n * \(positions)))")
          code.line("let unbiased = n * \(positions) > 1 ? Float(squares / Double(n * \(positions) - 1)) : variance")
          code.line("runningMean[c] = (1 - \(momentum)) * runningMean[c] + \(momentum) * mean")
          code.line("runningVariance[c] = (1 - \(momentum)) * runningVariance[c] + \(momentum) * unbiased")
        }
        code.line("let inverseStd = 1 / (variance + \(StepEmission.literal(eps))).squareRoot()")
        code.line("savedMean[c] = mean")
        code.line("savedInverseStd[c] = inverseStd")
        code.line("let scale = weight[c] * inverseStd")
        code.line("let shift = bias[c] - mean * scale")
        code.block("for i in 0..<n") { code in
          code.line("let offset = (i * \(channels) + c) * \(positions)")
          code.line("for p in 0..<\(positions) { y[offset + p] = x[offset + p] * scale + shift }")
        }
      }
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let channels = s.shapes.inputs[0][0]
    let positions = s.shapes.inputCount(0) / channels
    code.closure("pool.parallelRanges(\(channels), grain: max(1, 16_384 / (n * \(positions)))) { channelRange in") {
      code in
      code.line("let (x, dy, weight) = (\(s.input(0)), \(s.outputGradient(0)), \(s.parameter(0)))")
      code.line("let (savedMean, savedInverseStd) = (\(s.saved(0)), \(s.saved(1)))")
      code.block("for c in channelRange") { code in
        code.line("let (mean, inverseStd) = (savedMean[c], savedInverseStd[c])")
        code.line("var sumDy: Double = 0")
        code.line("var sumDyCentered: Double = 0")
        code.block("for i in 0..<n") { code in
          code.line("let offset = (i * \(channels) + c) * \(positions)")
          code.line("sumDy += Double(Reductions.sum(dy + offset, count: \(positions)))")
          code.line(
            "sumDyCentered += Double(Reductions.centeredDot(x + offset, from: mean, dy + offset, count: \(positions)))")
        }
        if let dw = s.parameterGradient(0) {
          code.line("(\(dw))[c] \(s.accumulatesParameter(0) ? "+=" : "=") Float(sumDyCentered) * inverseStd")
        }
        if let db = s.parameterGradient(1) {
          code.line("(\(db))[c] \(s.accumulatesParameter(1) ? "+=" : "=") Float(sumDy)")
        }
        if let dx = s.inputGradient(0) {
          code.line("// dx = a dy + b x + c0")
          code.line("let a = weight[c] * inverseStd")
          code.line(
            "let b = training ? -a * inverseStd * inverseStd * Float(sumDyCentered / Double(n * \(positions))) : 0")
          code.line("let c0 = training ? -a * Float(sumDy / Double(n * \(positions))) - b * mean : 0")
          code.line("let dx = \(dx)")
          code.block("for i in 0..<n") { code in
            code.line("let offset = (i * \(channels) + c) * \(positions)")
            code.line(
              "for p in 0..<\(positions) { dx[offset + p] \(s.accumulatesInput(0) ? "+=" : "=") a * dy[offset + p] + b * x[offset + p] + c0 }"
            )
          }
        }
      }
    }
  }
}
