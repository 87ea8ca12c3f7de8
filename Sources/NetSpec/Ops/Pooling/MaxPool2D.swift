import NetSpecKernels

/// 2-D max pooling over `[N, C, H, W]` (PyTorch's `MaxPool2d`): padded positions
/// count as -infinity, so they never win the maximum.
public struct MaxPool2D: Operator {
  public static let schema = OpSchema(
    name: "maxpool2d", category: .pooling,
    summary: "2-D max pooling over [N, C, H, W] inputs.",
    attributes: [
      .required("kernel", .pair(1...4096), "window size: k or [kh, kw]"),
      .optional("stride", .pair(1...4096), "step between windows: s or [sh, sw]; defaults to the kernel"),
      .default("padding", .pair(0...4096), .int(0), "-infinity padding per side (at most kernel / 2)"),
    ],
    primary: "kernel")

  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)

  public init(_ attributes: Attributes) {
    kernel = attributes.pair("kernel")
    stride = attributes.has("stride") ? attributes.pair("stride") : kernel
    padding = attributes.pair("padding")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let output = try ShapeRules.pool2D(inputs[0], kernel: kernel, stride: stride, padding: padding)
    return Inference(
      outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.0 * kernel.1))
  }
}

extension MaxPool2D: ExecutableOperator {
  public static let examples = [
    OpExample(["kernel": .int(2)], inputs: [.batch(2, 4, 4)]),
    OpExample(["kernel": .int(3), "stride": .int(2), "padding": .int(1)], inputs: [.batch(2, 5, 5)]),
    OpExample(["kernel": .int(3), "stride": .int(1)], inputs: [.batch(1, 4, 5)]),
  ]

  /// The index of each output's maximum within its input plane (`ih * W + iw`),
  /// stored as a Float (exact for planes below 2^24 positions).
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.outputCount(0)] }

  /// The gradient is routed through the saved indices alone.
  public var backwardReads: BackwardReads { .nothing }

  /// Per plane, the maximum of each window clipped to the input (padding never
  /// wins); NaN propagates, as in PyTorch.
  public func forward(_ k: Kernel) {
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    let (outHeight, outWidth) = (k.shapes.outputs[0][1], k.shapes.outputs[0][2])
    let window = kernel.0 * kernel.1
    k.pool.parallelRanges(k.batch * channels, grain: max(1, 16_384 / (outHeight * outWidth * window))) { planes in
      for plane in planes {
        let x = k.inputs[0] + plane * height * width
        let y = k.outputs[0] + plane * outHeight * outWidth
        let argmax = k.saved[0] + plane * outHeight * outWidth
        for oh in 0..<outHeight {
          let top = oh * stride.0 - padding.0
          let rows = max(0, top)..<min(height, top + kernel.0)
          for ow in 0..<outWidth {
            let left = ow * stride.1 - padding.1
            let columns = max(0, left)..<min(width, left + kernel.1)
            var best = -Float.infinity
            var index = rows.lowerBound * width + columns.lowerBound
            for ih in rows {
              for iw in columns where x[ih * width + iw] > best || x[ih * width + iw].isNaN {
                best = x[ih * width + iw]
                index = ih * width + iw
              }
            }
            y[oh * outWidth + ow] = best
            argmax[oh * outWidth + ow] = Float(index)
          }
        }
      }
    }
  }

  /// Each output gradient goes to its window's maximum.
  public func backward(_ k: Kernel) {
    guard k.inputGradients[0] != nil else { return }
    let inputPlane = k.shapes.inputs[0][1] * k.shapes.inputs[0][2]
    let outputPlane = k.shapes.outputs[0][1] * k.shapes.outputs[0][2]
    let accumulate = k.accumulateInput[0]
    k.pool.parallelRanges(k.batch * k.shapes.inputs[0][0], grain: max(1, 16_384 / inputPlane)) { planes in
      for plane in planes {
        let dx = k.inputGradients[0]! + plane * inputPlane
        let dy = k.outputGradients[0] + plane * outputPlane
        let argmax = k.saved[0] + plane * outputPlane
        if !accumulate { dx.update(repeating: 0, count: inputPlane) }
        for o in 0..<outputPlane { dx[Int(argmax[o])] += dy[o] }
      }
    }
  }
}

extension MaxPool2D: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let p = PoolingEmission(kernel: kernel, stride: stride, padding: padding, shapes: s.shapes)
    let (inPlane, outPlane) = (p.height * p.width, p.outputHeight * p.outputWidth)
    p.emit(&code, grain: 16_384 / (outPlane * kernel.0 * kernel.1)) { code in
      code.line("let x = \(s.input(0)) + plane * \(inPlane)")
      code.line("let y = \(s.output(0)) + plane * \(outPlane)")
      code.line("let argmax = \(s.saved(0)) + plane * \(outPlane)")
    } body: { code in
      code.line("var best = -Float.infinity")
      code.line("var index = rows.lowerBound * \(p.width) + columns.lowerBound")
      code.block("for ih in rows") { code in
        code.block("for iw in columns where x[ih * \(p.width) + iw] > best || x[ih * \(p.width) + iw].isNaN") { code in
          code.line("best = x[ih * \(p.width) + iw]")
          code.line("index = ih * \(p.width) + iw")
        }
      }
      code.line("y[oh * \(p.outputWidth) + ow] = best")
      code.line("argmax[oh * \(p.outputWidth) + ow] = Float(index)")
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let inPlane = s.shapes.inputs[0][1] * s.shapes.inputs[0][2]
    let outPlane = s.shapes.outputs[0][1] * s.shapes.outputs[0][2]
    code.closure(
      "pool.parallelRanges(n * \(s.shapes.inputs[0][0]), grain: \(max(1, 16_384 / inPlane))) { planes in"
    ) { code in
      code.block("for plane in planes") { code in
        code.line("let dx = \(dx) + plane * \(inPlane)")
        code.line("let dy = \(s.outputGradient(0)) + plane * \(outPlane)")
        code.line("let argmax = \(s.saved(0)) + plane * \(outPlane)")
        if !s.accumulatesInput(0) { code.line("dx.update(repeating: 0, count: \(inPlane))") }
        code.line("for o in 0..<\(outPlane) { dx[Int(argmax[o])] += dy[o] }")
      }
    }
  }
}
