import NetSpecKernels

/// Layer normalization over the last axis (PyTorch's `LayerNorm(D)`): each
/// `[..., D]` vector is normalized to zero mean and unit variance, then scaled
/// and shifted per feature.
public struct LayerNorm: Operator {
  public static let schema = OpSchema(
    name: "layernorm", category: .normalization,
    summary: "Layer normalization over the last axis, with a learned scale and shift.",
    attributes: [
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root")
    ])

  public let eps: Double

  public init(_ attributes: Attributes) {
    eps = attributes.float("eps")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    return Inference(
      outputs: [x],
      parameters: [
        ParameterSpec("weight", [features], .ones), ParameterSpec("bias", [features], .zeros),
      ],
      // mean, variance (subtract, square, sum), normalize, scale and shift.
      flops: ShapeRules.flops(x, perElement: 8))
  }
}

extension LayerNorm: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(5)]),
    OpExample(inputs: [.batch(3, 6)]),
    OpExample(["eps": .float(1e-2)], inputs: [.batch(2, 2, 4)]),
  ]

  /// The mean and the inverse standard deviation of each normalized row.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let rows = shapes.inputCount(0) / shapes.inputs[0].last!
    return [rows, rows]
  }

  /// The backward pass forms `g = dy * weight` here, one row at a time.
  public func workspace(_ shapes: OpShapes) -> Int { shapes.inputCount(0) }

  /// The backward pass recomputes the normalized input from the input.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per row (in parallel): mean, variance (two passes), then
  /// `y = (x - mean) / std * weight + bias`.
  public func forward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    let rows = k.batch * k.shapes.inputCount(0) / features
    k.pool.parallelRanges(rows, grain: max(1, 16_384 / features)) { rowRange in
      let (weight, bias) = (k.parameters[0], k.parameters[1])
      for r in rowRange {
        let x = k.inputs[0] + r * features
        let y = k.outputs[0] + r * features
        let mean = Reductions.sum(x, count: features) / Float(features)
        let variance = Reductions.squaredDeviations(x, from: mean, count: features) / Float(features)
        let inverseStd = 1 / (variance + Float(eps)).squareRoot()
        k.saved[0][r] = mean
        k.saved[1][r] = inverseStd
        for j in 0..<features { y[j] = (x[j] - mean) * inverseStd * weight[j] + bias[j] }
      }
    }
  }

  /// With `g = dy * weight` and `xhat = (x - mean) / std` per row:
  /// `dx = (g - mean(g) - xhat * mean(g * xhat)) / std`; over the rows,
  /// `dweight = sum(dy * xhat)` and `dbias = sum(dy)` (split by columns).
  public func backward(_ k: Kernel) {
    let features = k.shapes.inputs[0].last!
    let rows = k.batch * k.shapes.inputCount(0) / features
    if k.inputGradients[0] != nil {
      let accumulate = k.accumulateInput[0]
      k.pool.parallelRanges(rows, grain: max(1, 16_384 / features)) { rowRange in
        let weight = k.parameters[0]
        for r in rowRange {
          let x = k.inputs[0] + r * features
          let dy = k.outputGradients[0] + r * features
          let dx = k.inputGradients[0]! + r * features
          let g = k.workspace! + r * features
          let (mean, inverseStd) = (k.saved[0][r], k.saved[1][r])
          for j in 0..<features { g[j] = dy[j] * weight[j] }
          let meanG = Reductions.sum(g, count: features) / Float(features)
          let meanGXhat = Reductions.centeredDot(x, from: mean, g, count: features) * inverseStd / Float(features)
          // dx = inverseStd * (g - meanG - (x - mean) * inverseStd * meanGXhat).
          let slope = inverseStd * inverseStd * meanGXhat
          let offset = inverseStd * meanG - mean * slope
          if accumulate {
            for j in 0..<features { dx[j] += inverseStd * g[j] - slope * x[j] - offset }
          } else {
            for j in 0..<features { dx[j] = inverseStd * g[j] - slope * x[j] - offset }
          }
        }
      }
    }
    guard k.parameterGradients.count == 2 else { return }
    let accumulate = (k.accumulateParameter[0], k.accumulateParameter[1])
    k.pool.parallelRanges(features, grain: max(1, 16_384 / rows)) { columns in
      let (dWeight, dBias) = (k.parameterGradients[0], k.parameterGradients[1])
      if let dWeight, !accumulate.0 { (dWeight + columns.lowerBound).update(repeating: 0, count: columns.count) }
      if let dBias, !accumulate.1 { (dBias + columns.lowerBound).update(repeating: 0, count: columns.count) }
      for r in 0..<rows {
        let x = k.inputs[0] + r * features
        let dy = k.outputGradients[0] + r * features
        let (mean, inverseStd) = (k.saved[0][r], k.saved[1][r])
        if let dWeight {
          for j in columns { dWeight[j] += dy[j] * (x[j] - mean) * inverseStd }
        }
        if let dBias {
          for j in columns { dBias[j] += dy[j] }
        }
      }
    }
  }
}
