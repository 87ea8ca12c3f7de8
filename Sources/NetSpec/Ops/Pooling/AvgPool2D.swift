import NetSpecKernels

/// 2-D average pooling over `[N, C, H, W]` (PyTorch's `AvgPool2d`): padded
/// positions are zeros and, with `count_include_pad` (the default), count in the
/// divisor, which is then always the kernel area.
public struct AvgPool2D: Operator {
  public static let schema = OpSchema(
    name: "avgpool2d", category: .pooling,
    summary: "2-D average pooling over [N, C, H, W] inputs.",
    attributes: [
      .required("kernel", .pair(1...4096), "window size: k or [kh, kw]"),
      .optional("stride", .pair(1...4096), "step between windows: s or [sh, sw]; defaults to the kernel"),
      .default("padding", .pair(0...4096), .int(0), "zero padding per side (at most kernel / 2)"),
      .default(
        "count_include_pad", .bool, .bool(true),
        "divide by the kernel area even where the window covers padding"),
    ],
    primary: "kernel")

  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let countIncludePad: Bool

  public init(_ attributes: Attributes) {
    kernel = attributes.pair("kernel")
    stride = attributes.has("stride") ? attributes.pair("stride") : kernel
    padding = attributes.pair("padding")
    countIncludePad = attributes.bool("count_include_pad")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let output = try ShapeRules.pool2D(inputs[0], kernel: kernel, stride: stride, padding: padding)
    return Inference(
      outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.0 * kernel.1))
  }
}

extension AvgPool2D: ExecutableOperator {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 4, 4)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 5, 5)]),
    OpExample(
      ["kernel": .int(3), "stride": .int(2), "padding": .int(1), "count_include_pad": .bool(false)],
      inputs: [.batch(2, 5, 6)]),
    OpExample(["kernel": .int(3), "stride": .int(1)], inputs: [.batch(1, 4, 5)]),
  ]

  /// The backward pass needs only the window geometry.
  public var backwardReads: BackwardReads { .nothing }

  /// The divisor of a window whose part inside the input is `rows` x `columns`.
  @inline(__always)
  private func divisor(rows: Range<Int>, columns: Range<Int>) -> Float {
    Float(countIncludePad ? kernel.0 * kernel.1 : rows.count * columns.count)
  }

  /// Per plane, the sum of each window clipped to the input, over the divisor.
  public func forward(_ k: Kernel) {
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    let (outHeight, outWidth) = (k.shapes.outputs[0][1], k.shapes.outputs[0][2])
    let window = kernel.0 * kernel.1
    k.pool.parallelRanges(k.batch * channels, grain: max(1, 16_384 / (outHeight * outWidth * window))) { planes in
      for plane in planes {
        let x = k.inputs[0] + plane * height * width
        let y = k.outputs[0] + plane * outHeight * outWidth
        for oh in 0..<outHeight {
          let top = oh * stride.0 - padding.0
          let rows = max(0, top)..<min(height, top + kernel.0)
          for ow in 0..<outWidth {
            let left = ow * stride.1 - padding.1
            let columns = max(0, left)..<min(width, left + kernel.1)
            var sum: Float = 0
            for ih in rows {
              for iw in columns { sum += x[ih * width + iw] }
            }
            y[oh * outWidth + ow] = sum / divisor(rows: rows, columns: columns)
          }
        }
      }
    }
  }

  /// Each output gradient spread evenly (over the divisor) across its window.
  public func backward(_ k: Kernel) {
    guard k.inputGradients[0] != nil else { return }
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    let (outHeight, outWidth) = (k.shapes.outputs[0][1], k.shapes.outputs[0][2])
    let accumulate = k.accumulateInput[0]
    k.pool.parallelRanges(k.batch * channels, grain: max(1, 16_384 / (height * width))) { planes in
      for plane in planes {
        let dx = k.inputGradients[0]! + plane * height * width
        let dy = k.outputGradients[0] + plane * outHeight * outWidth
        if !accumulate { dx.update(repeating: 0, count: height * width) }
        for oh in 0..<outHeight {
          let top = oh * stride.0 - padding.0
          let rows = max(0, top)..<min(height, top + kernel.0)
          for ow in 0..<outWidth {
            let left = ow * stride.1 - padding.1
            let columns = max(0, left)..<min(width, left + kernel.1)
            let share = dy[oh * outWidth + ow] / divisor(rows: rows, columns: columns)
            for ih in rows {
              for iw in columns { dx[ih * width + iw] += share }
            }
          }
        }
      }
    }
  }
}

extension AvgPool2D: EmittableOperator {
  private func emission(_ s: StepEmission) -> PoolingEmission {
    PoolingEmission(kernel: kernel, stride: stride, padding: padding, shapes: s.shapes)
  }

  private var divisor: String {
    countIncludePad ? "\(kernel.0 * kernel.1)" : "Float(rows.count * columns.count)"
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let p = emission(s)
    let (inPlane, outPlane) = (p.height * p.width, p.outputHeight * p.outputWidth)
    p.emit(&code, grain: 16_384 / (outPlane * kernel.0 * kernel.1)) { code in
      code.line("let x = \(s.input(0)) + plane * \(inPlane)")
      code.line("let y = \(s.output(0)) + plane * \(outPlane)")
    } body: { code in
      code.line("var sum: Float = 0")
      code.line("for ih in rows { for iw in columns { sum += x[ih * \(p.width) + iw] } }")
      code.line("y[oh * \(p.outputWidth) + ow] = sum / \(divisor)")
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let p = emission(s)
    let (inPlane, outPlane) = (p.height * p.width, p.outputHeight * p.outputWidth)
    p.emit(&code, grain: 16_384 / inPlane) { code in
      code.line("let dx = \(dx) + plane * \(inPlane)")
      code.line("let dy = \(s.outputGradient(0)) + plane * \(outPlane)")
      if !s.accumulatesInput(0) { code.line("dx.update(repeating: 0, count: \(inPlane))") }
    } body: { code in
      code.line("let share = dy[oh * \(p.outputWidth) + ow] / \(divisor)")
      code.line("for ih in rows { for iw in columns { dx[ih * \(p.width) + iw] += share } }")
    }
  }
}
