import NetSpecKernels

/// Global average pooling: the mean of each channel over all positions,
/// `[N, C, H, W]` -> `[N, C]` (PyTorch's `AdaptiveAvgPool2d(1)` plus `flatten`).
public struct GlobalAvgPool: Operator {
  public static let schema = OpSchema(
    name: "global_avgpool", category: .pooling,
    summary: "Mean over all positions of each channel: [N, C, H, W] -> [N, C].")

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    return Inference(
      outputs: [TensorType([x.shape[0], x.shape[1]])], flops: ShapeRules.flops(x, perElement: 1))
  }
}

extension GlobalAvgPool: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4, 5)]),
    OpExample(inputs: [.batch(2, 1, 1)]),
  ]

  /// The backward pass needs only the plane size.
  public var backwardReads: BackwardReads { .nothing }

  /// The mean of each `H x W` plane.
  public func forward(_ k: Kernel) {
    let planeSize = k.shapes.inputs[0][1] * k.shapes.inputs[0][2]
    k.pool.parallelRanges(k.batch * k.shapes.inputs[0][0], grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        k.outputs[0][plane] = Reductions.sum(k.inputs[0] + plane * planeSize, count: planeSize) / Float(planeSize)
      }
    }
  }

  /// `dy / (H * W)` broadcast over each plane.
  public func backward(_ k: Kernel) {
    guard k.inputGradients[0] != nil else { return }
    let planeSize = k.shapes.inputs[0][1] * k.shapes.inputs[0][2]
    let accumulate = k.accumulateInput[0]
    k.pool.parallelRanges(k.batch * k.shapes.inputs[0][0], grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        let dx = k.inputGradients[0]! + plane * planeSize
        let share = k.outputGradients[0][plane] / Float(planeSize)
        if accumulate {
          for i in 0..<planeSize { dx[i] += share }
        } else {
          dx.update(repeating: share, count: planeSize)
        }
      }
    }
  }
}

extension GlobalAvgPool: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let plane = s.shapes.inputs[0][1] * s.shapes.inputs[0][2]
    code.closure("pool.parallelRanges(n * \(s.shapes.inputs[0][0]), grain: \(max(1, 16_384 / plane))) { planes in") {
      code in
      code.line("let (x, y) = (\(s.input(0)), \(s.output(0)))")
      code.block("for plane in planes") { code in
        code.line("y[plane] = Reductions.sum(x + plane * \(plane), count: \(plane)) / \(plane)")
      }
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let plane = s.shapes.inputs[0][1] * s.shapes.inputs[0][2]
    code.closure("pool.parallelRanges(n * \(s.shapes.inputs[0][0]), grain: \(max(1, 16_384 / plane))) { planes in") {
      code in
      code.line("let dy = \(s.outputGradient(0))")
      code.block("for plane in planes") { code in
        code.line("let dx = \(dx) + plane * \(plane)")
        code.line("let share = dy[plane] / \(plane)")
        if s.accumulatesInput(0) {
          code.line("for i in 0..<\(plane) { dx[i] += share }")
        } else {
          code.line("dx.update(repeating: share, count: \(plane))")
        }
      }
    }
  }
}
