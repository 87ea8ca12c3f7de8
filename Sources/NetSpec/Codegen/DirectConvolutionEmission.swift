import NetSpecKernels

/// The emitted backward pass of a convolution with few taps per output
/// (`C * kh * kw` at most ``maximumTaps``, e.g. a first layer on 1- or 3-channel
/// images), computed directly instead of through im2col + GEMM. There the
/// weight gradient is a product with a tiny output (`F x C*kh*kw`) and a huge
/// reduction (every position of the batch), which the GEMM runs on one thread
/// after writing the whole column matrix; the direct loops read the input in
/// place and split over filters (dW) and samples (dX). The tap loop along the
/// width is unrolled with each tap's valid output range as literals, so every
/// inner loop is a plain vectorizable `a[ow] += b[ow] * c[ow + d]` over a row.
/// (The forward pass keeps im2col + GEMM: measured, the direct form was no
/// faster there.)
///
/// The sums run in a different order than the GEMM's, so results differ from the
/// interpreter's by float rounding only.
struct DirectConvolutionEmission {
  /// The most taps per output for which the direct form is used.
  static let maximumTaps = 32

  let geometry: ConvolutionGeometry
  let filters: Int
  let bias: Bool
  let activation: ActivationKernel?

  /// Whether a convolution's backward pass is emitted directly: few taps, and a
  /// real window (a 1x1 convolution's columns are its input, so im2col costs
  /// nothing there).
  static func applies(_ g: ConvolutionGeometry, groups: Int) -> Bool {
    groups == 1 && g.dilationHeight == 1 && g.dilationWidth == 1 && g.columnRows <= maximumTaps
      && g.kernelHeight * g.kernelWidth > 1
  }

  private var g: ConvolutionGeometry { geometry }
  private var plane: Int { g.outputPositions }
  private var taps: Int { g.columnRows }

  /// The output columns `ow` whose input column `ow * stride + kw - padLeft` is
  /// inside the row, and that input offset at `ow = 0`.
  private func columns(_ kw: Int) -> (range: Range<Int>, offset: Int) {
    let offset = kw - g.padLeft
    var lower = 0
    while lower < g.outputWidth, lower * g.strideWidth + offset < 0 { lower += 1 }
    var upper = lower
    while upper < g.outputWidth, upper * g.strideWidth + offset < g.width { upper += 1 }
    return (lower..<upper, offset)
  }

  /// `base[ow * stride + offset]` as Swift.
  private func index(_ base: String, _ offset: Int) -> String {
    let column = g.strideWidth == 1 ? "ow" : "ow * \(g.strideWidth)"
    return offset == 0 ? "\(base)[\(column)]" : "\(base)[\(column) \(offset < 0 ? "-" : "+") \(abs(offset))]"
  }

  /// The loops over channels and kernel rows around an unrolled tap row; the
  /// body sees `kernelRow` (index of the first tap of the row), `inputRow` and
  /// is called once per `kw` with its columns.
  private func tapRows(
    _ code: inout SwiftWriter, input: String, body: (inout SwiftWriter, Int, Range<Int>, Int) -> Void
  ) {
    func rows(_ code: inout SwiftWriter, channel: String?) {
      code.block("for kh in 0..<\(g.kernelHeight)") { code in
        let top = g.strideHeight == 1 ? "oh" : "oh * \(g.strideHeight)"
        code.line("let ih = \(top) + kh\(g.padTop == 0 ? "" : " - \(g.padTop)")")
        code.line("guard ih >= 0 && ih < \(g.height) else { continue }")
        if let channel {
          code.line("let inputRow = \(input) + \(channel) * \(g.height * g.width) + ih * \(g.width)")
          code.line("let kernelRow = (\(channel) * \(g.kernelHeight) + kh) * \(g.kernelWidth)")
        } else {
          code.line("let inputRow = \(input) + ih * \(g.width)")
          code.line("let kernelRow = kh * \(g.kernelWidth)")
        }
        for kw in 0..<g.kernelWidth {
          let (range, offset) = columns(kw)
          guard !range.isEmpty else { continue }
          body(&code, kw, range, offset)
        }
      }
    }
    if g.channels == 1 {
      rows(&code, channel: nil)
    } else {
      code.block("for c in 0..<\(g.channels)") { code in rows(&code, channel: "c") }
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let dz = s.workspace
    code.line(
      "// dZ = \(s.fusedPooling == nil ? "dY" : "dY (from the pooled gradient)") * f'(Z), plane by plane, in the workspace."
    )
    code.closure("pool.parallelRanges(n * \(filters), grain: \(max(1, 16_384 / plane))) { planes in") { code in
      s.fusedPooling?.declareGeometry(&code)
      code.block("for plane in planes") { code in
        code.line("let dz = \(dz) + plane * \(plane)")
        Conv2D.emitPreActivationGradient(s, activation: activation, positions: plane, dz: "dz", &code)
      }
    }
    if let dw = s.parameterGradient(0) {
      weightGradient(s, dw: dw, db: bias ? s.parameterGradient(1) : nil, &code)
    }
    if let dx = s.inputGradient(0) { inputGradient(s, dx: dx, &code) }
  }

  /// dW[f, c, kh, kw] = sum over samples and positions of dZ * the input under
  /// the tap, accumulated per tap along output rows (vectorizable) and summed
  /// at the end; db[f] = sum of dZ. Split over filters.
  private func weightGradient(_ s: StepEmission, dw: String, db: String?, _ code: inout SwiftWriter) {
    let width = g.outputWidth
    code.line("// dW = dZ (*) X per filter, db = sum of dZ")
    code.closure("pool.parallelRanges(\(filters), grain: 1) { filterRange in") { code in
      code.line("let (input, gradient) = (\(s.input(0)), \(s.workspace))")
      code.closure("withUnsafeTemporaryAllocation(of: Float.self, capacity: \((taps + 1) * width)) { buffer in") {
        code in
        code.line("let sums = buffer.baseAddress!")
        code.block("for filter in filterRange") { code in
          code.line("sums.update(repeating: 0, count: \((taps + 1) * width))")
          code.block("for sample in 0..<n") { code in
            code.line("let x = input + sample * \(g.channels * g.height * g.width)")
            code.block("for oh in 0..<\(g.outputHeight)") { code in
              code.line("let dz = gradient + (sample * \(filters) + filter) * \(plane) + oh * \(width)")
              if db != nil {
                code.line("let biasRow = sums + \(taps * width)")
                code.line("for ow in 0..<\(width) { biasRow[ow] += dz[ow] }")
              }
              tapRows(&code, input: "x") { code, kw, range, offset in
                code.line("let sum\(kw) = sums + (kernelRow + \(kw)) * \(width)")
                code.line(
                  "for ow in \(range.lowerBound)..<\(range.upperBound) { sum\(kw)[ow] += dz[ow] * \(index("inputRow", offset)) }"
                )
              }
            }
          }
          code.line("let dw = \(dw) + filter * \(taps)")
          code.block("for tap in 0..<\(taps)") { code in
            code.line("var total: Float = 0")
            code.line("for ow in 0..<\(width) { total += sums[tap * \(width) + ow] }")
            code.line("dw[tap] \(s.accumulatesParameter(0) ? "+=" : "=") total")
          }
          if let db {
            code.line("var total: Float = 0")
            code.line("for ow in 0..<\(width) { total += sums[\(taps * width) + ow] }")
            code.line("(\(db))[filter] \(s.accumulatesParameter(1) ? "+=" : "=") total")
          }
        }
      }
    }
  }

  /// dX[c, ih, iw] += W[f, c, kh, kw] * dZ[f, oh, ow] for every tap, as row
  /// scatters; split over samples.
  private func inputGradient(_ s: StepEmission, dx: String, _ code: inout SwiftWriter) {
    code.line("// dX = Wᵀ (*) dZ, scattered row by row")
    code.closure("pool.parallelRanges(n, grain: 1) { samples in") { code in
      code.line("let (weight, gradient) = (\(s.parameter(0)), \(s.workspace))")
      code.block("for sample in samples") { code in
        code.line("let x = \(dx) + sample * \(g.channels * g.height * g.width)")
        if !s.accumulatesInput(0) { code.line("x.update(repeating: 0, count: \(g.channels * g.height * g.width))") }
        code.block("for filter in 0..<\(filters)") { code in
          code.line("let w = weight + filter * \(taps)")
          code.block("for oh in 0..<\(g.outputHeight)") { code in
            code.line("let dz = gradient + (sample * \(filters) + filter) * \(plane) + oh * \(g.outputWidth)")
            tapRows(&code, input: "x") { code, kw, range, offset in
              code.line("let tap\(kw) = w[kernelRow + \(kw)]")
              code.line(
                "for ow in \(range.lowerBound)..<\(range.upperBound) { \(index("inputRow", offset)) += tap\(kw) * dz[ow] }"
              )
            }
          }
        }
      }
    }
  }
}
