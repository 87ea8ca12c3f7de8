import NetSpecKernels

/// Adaptive 2-D average pooling (PyTorch's `AdaptiveAvgPool2d`): averages
/// `[N, C, H, W]` down to a fixed `[N, C, h, w]` whatever the input size, output
/// cell `i` covering input rows `floor(i * H / h) ..< ceil((i + 1) * H / h)`.
public struct AdaptiveAvgPool2D: Operator {
  public static let schema = OpSchema(
    name: "adaptive_avgpool2d", category: .pooling,
    summary: "Averages [N, C, H, W] inputs down to a fixed [N, C, h, w] output size.",
    attributes: [
      .required("output", .pair(1...4096), "output size: s or [h, w]")
    ],
    primary: "output")

  public let output: (Int, Int)

  public init(_ attributes: Attributes) {
    output = attributes.pair("output")
  }

  /// The input positions averaged into each of `output` cells along an axis of
  /// `input` positions (windows overlap when the size does not divide evenly).
  public static func windows(input: Int, output: Int) -> [Range<Int>] {
    (0..<output).map { window($0, input: input, output: output) }
  }

  /// The input positions averaged into output cell `i` of `output` along an axis
  /// of `input` positions: `floor(i * input / output) ..< ceil((i + 1) * input / output)`.
  @inline(__always)
  public static func window(_ i: Int, input: Int, output: Int) -> Range<Int> {
    // i * input / output without overflow: input = q * output + r with r < output.
    let (q, r) = input.quotientAndRemainder(dividingBy: output)
    return (i * q + i * r / output)..<((i + 1) * q + ((i + 1) * r + output - 1) / output)
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    let height = try ShapeRules.staticSize(x, axis: 2, what: "height")
    let width = try ShapeRules.staticSize(x, axis: 3, what: "width")
    let rows = Self.windows(input: height, output: output.0).reduce(0) { $0 + $1.count }
    let columns = Self.windows(input: width, output: output.1).reduce(0) { $0 + $1.count }
    // One add per averaged position, one divide per output cell.
    let perPlane = try ShapeRules.add(
      ShapeRules.multiply(Dim(rows), Dim(columns)), Dim(output.0 * output.1))
    let flops = try ShapeRules.product([x.shape[0], x.shape[1], perPlane], what: "FLOP count")
    let result = TensorType([x.shape[0], x.shape[1], Dim(output.0), Dim(output.1)])
    return Inference(outputs: [result], flops: flops)
  }
}

extension AdaptiveAvgPool2D: ExecutableOperator {
  public static let examples = [
    OpExample(["output": .int(2)], inputs: [.batch(2, 5, 5)]),
    OpExample(["output": .int(4)], inputs: [.batch(1, 3, 6)]),
    OpExample(["output": .int(3)], inputs: [.batch(2, 7, 3)]),
  ]

  /// The backward pass needs only the window geometry.
  public var backwardReads: BackwardReads { .nothing }

  /// Per plane, the mean of each output cell's window.
  public func forward(_ k: Kernel) {
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    let (outHeight, outWidth) = output
    k.pool.parallelRanges(k.batch * channels, grain: max(1, 16_384 / (height * width))) { planes in
      for plane in planes {
        let x = k.inputs[0] + plane * height * width
        let y = k.outputs[0] + plane * outHeight * outWidth
        for oh in 0..<outHeight {
          let rows = Self.window(oh, input: height, output: outHeight)
          for ow in 0..<outWidth {
            let columns = Self.window(ow, input: width, output: outWidth)
            var sum: Float = 0
            for ih in rows {
              for iw in columns { sum += x[ih * width + iw] }
            }
            y[oh * outWidth + ow] = sum / Float(rows.count * columns.count)
          }
        }
      }
    }
  }

  /// Each output gradient spread evenly across its window (windows may overlap).
  public func backward(_ k: Kernel) {
    guard k.inputGradients[0] != nil else { return }
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    let (outHeight, outWidth) = output
    let accumulate = k.accumulateInput[0]
    k.pool.parallelRanges(k.batch * channels, grain: max(1, 16_384 / (height * width))) { planes in
      for plane in planes {
        let dx = k.inputGradients[0]! + plane * height * width
        let dy = k.outputGradients[0] + plane * outHeight * outWidth
        if !accumulate { dx.update(repeating: 0, count: height * width) }
        for oh in 0..<outHeight {
          let rows = Self.window(oh, input: height, output: outHeight)
          for ow in 0..<outWidth {
            let columns = Self.window(ow, input: width, output: outWidth)
            let share = dy[oh * outWidth + ow] / Float(rows.count * columns.count)
            for ih in rows {
              for iw in columns { dx[ih * width + iw] += share }
            }
          }
        }
      }
    }
  }
}

extension AdaptiveAvgPool2D: EmittableOperator {
  /// The windows along one axis as a Swift array literal of ranges.
  private static func windowsLiteral(input: Int, output: Int) -> String {
    "["
      + windows(input: input, output: output).map { "\($0.lowerBound)..<\($0.upperBound)" }
      .joined(separator: ", ") + "]"
  }

  /// Walks every plane's output cells with their (precomputed) windows.
  private func emitWindows(
    _ s: StepEmission, _ code: inout SwiftWriter, prologue: (inout SwiftWriter) -> Void,
    body: (inout SwiftWriter) -> Void
  ) {
    let (channels, height, width) = (s.shapes.inputs[0][0], s.shapes.inputs[0][1], s.shapes.inputs[0][2])
    code.line("let rowWindows: [Range<Int>] = \(Self.windowsLiteral(input: height, output: output.0))")
    code.line("let columnWindows: [Range<Int>] = \(Self.windowsLiteral(input: width, output: output.1))")
    code.closure("pool.parallelRanges(n * \(channels), grain: \(max(1, 16_384 / (height * width)))) { planes in") {
      code in
      code.block("for plane in planes") { code in
        prologue(&code)
        code.block("for (oh, rows) in rowWindows.enumerated()") { code in
          code.block("for (ow, columns) in columnWindows.enumerated()") { code in body(&code) }
        }
      }
    }
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (height, width) = (s.shapes.inputs[0][1], s.shapes.inputs[0][2])
    emitWindows(s, &code) { code in
      code.line("let x = \(s.input(0)) + plane * \(height * width)")
      code.line("let y = \(s.output(0)) + plane * \(output.0 * output.1)")
    } body: { code in
      code.line("var sum: Float = 0")
      code.line("for ih in rows { for iw in columns { sum += x[ih * \(width) + iw] } }")
      code.line("y[oh * \(output.1) + ow] = sum / Float(rows.count * columns.count)")
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (height, width) = (s.shapes.inputs[0][1], s.shapes.inputs[0][2])
    emitWindows(s, &code) { code in
      code.line("let dx = \(dx) + plane * \(height * width)")
      code.line("let dy = \(s.outputGradient(0)) + plane * \(output.0 * output.1)")
      if !s.accumulatesInput(0) { code.line("dx.update(repeating: 0, count: \(height * width))") }
    } body: { code in
      code.line("let share = dy[oh * \(output.1) + ow] / Float(rows.count * columns.count)")
      code.line("for ih in rows { for iw in columns { dx[ih * \(width) + iw] += share } }")
    }
  }
}
