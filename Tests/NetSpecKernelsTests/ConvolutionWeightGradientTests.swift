import NetSpecKernels
import Testing

/// ``ConvolutionWeightGradient`` against plain loops over the taps (sums in
/// double): odd sizes, strides 1 and 2, padding, dilation, 1x1 to 5x5 kernels,
/// ragged filter and tap tiles and position vectors, both `dZ` orders,
/// written and accumulated, on one and two threads; and the same bits on
/// every run and thread count.
@Suite struct ConvolutionWeightGradientTests {
  struct Case: Sendable, CustomStringConvertible {
    var channels, height, width, filters, kernel: Int
    var stride: (Int, Int) = (1, 1)
    var padding = 0
    var dilation = 1
    var batch = 5

    var description: String {
      "C\(channels) \(height)x\(width) F\(filters) k\(kernel) s\(stride) p\(padding) d\(dilation) n\(batch)"
    }

    var geometry: ConvolutionGeometry {
      let span = dilation * (kernel - 1) + 1
      return ConvolutionGeometry(
        channels: channels, height: height, width: width, kernel: (kernel, kernel), stride: stride,
        dilation: (dilation, dilation), padTop: padding, padLeft: padding,
        outputHeight: (height + 2 * padding - span) / stride.0 + 1,
        outputWidth: (width + 2 * padding - span) / stride.1 + 1)
    }
  }

  static let cases = [
    Case(channels: 3, height: 9, width: 7, filters: 5, kernel: 3, padding: 1),
    Case(channels: 2, height: 11, width: 10, filters: 7, kernel: 3, stride: (2, 2), padding: 1),
    Case(channels: 4, height: 8, width: 9, filters: 6, kernel: 1, stride: (2, 2)),
    Case(channels: 1, height: 13, width: 12, filters: 6, kernel: 5, padding: 2),
    Case(channels: 3, height: 10, width: 11, filters: 4, kernel: 5, stride: (2, 2)),
    Case(channels: 2, height: 9, width: 9, filters: 3, kernel: 3, padding: 2, dilation: 2),
    Case(channels: 2, height: 7, width: 9, filters: 9, kernel: 3, stride: (2, 1), padding: 1, batch: 2),
    Case(channels: 5, height: 6, width: 6, filters: 4, kernel: 3, stride: (1, 2), padding: 1, batch: 1),
    Case(channels: 1, height: 16, width: 16, filters: 8, kernel: 3, padding: 1, batch: 16),
    Case(channels: 8, height: 16, width: 16, filters: 8, kernel: 3, padding: 1, batch: 16),
    // Small planes of many channels: several blocks of samples per lane, a ragged last block.
    Case(channels: 256, height: 4, width: 4, filters: 5, kernel: 3, padding: 1, batch: 61),
    Case(channels: 96, height: 7, width: 7, filters: 6, kernel: 3, stride: (2, 2), padding: 1, batch: 23),
    Case(channels: 8, height: 2, width: 2, filters: 8, kernel: 3, padding: 1, batch: 4),
    Case(channels: 8, height: 1, width: 1, filters: 8, kernel: 3, padding: 1, batch: 4),
    Case(channels: 8, height: 4, width: 4, filters: 16, kernel: 3, stride: (2, 2), padding: 1, batch: 4),
    Case(channels: 8, height: 2, width: 2, filters: 16, kernel: 3, stride: (2, 2), padding: 1, batch: 4),
    Case(channels: 3, height: 32, width: 32, filters: 4, kernel: 7, stride: (2, 2), padding: 3, batch: 4),
  ]

  /// `dW` and `dBias` by plain loops, in double; `dz` is `[batch, F, P]`.
  func expected(_ c: Case, x: [Float], dz: [Float]) -> (weight: [Float], bias: [Float]) {
    let g = c.geometry
    var (dw, db) = ([Double](repeating: 0, count: c.filters * g.columnRows), [Double](repeating: 0, count: c.filters))
    for sample in 0..<c.batch {
      for f in 0..<c.filters {
        for oh in 0..<g.outputHeight {
          for ow in 0..<g.outputWidth {
            let gradient = Double(dz[((sample * c.filters + f) * g.outputHeight + oh) * g.outputWidth + ow])
            db[f] += gradient
            for channel in 0..<c.channels {
              for i in 0..<c.kernel {
                for j in 0..<c.kernel {
                  let ih = oh * g.strideHeight + i * c.dilation - c.padding
                  let iw = ow * g.strideWidth + j * c.dilation - c.padding
                  guard ih >= 0 && ih < c.height && iw >= 0 && iw < c.width else { continue }
                  let input = Double(x[((sample * c.channels + channel) * c.height + ih) * c.width + iw])
                  dw[((f * c.channels + channel) * c.kernel + i) * c.kernel + j] += gradient * input
                }
              }
            }
          }
        }
      }
    }
    return (dw.map(Float.init), db.map(Float.init))
  }

  /// Runs the kernel on `dz` given in `[batch, F, P]` order, passing it in that
  /// order or (`filterMajor`) transposed to `[F, batch * P]`.
  func gradients(
    _ c: Case, x: [Float], dz: [Float], filterMajor: Bool, pool: ComputePool, dWeight: UnsafeMutablePointer<Float>?,
    dBias: UnsafeMutablePointer<Float>?, accumulate: Bool = false
  ) {
    let g = c.geometry
    let plane = g.outputPositions
    var source = dz
    if filterMajor {
      for sample in 0..<c.batch {
        for f in 0..<c.filters {
          for p in 0..<plane {
            source[(f * c.batch + sample) * plane + p] = dz[(sample * c.filters + f) * plane + p]
          }
        }
      }
    }
    ConvolutionWeightGradient.accumulate(
      dWeight: dWeight, dBias: dBias, x: x, dz: source,
      sampleStride: filterMajor ? plane : c.filters * plane, filterStride: filterMajor ? c.batch * plane : plane,
      batch: c.batch, geometry: g, filters: c.filters, accumulateWeight: accumulate, accumulateBias: accumulate,
      pool: pool)
  }

  @Test(arguments: cases, [1, 2])
  func matchesPlainLoopsWrittenAndAccumulated(_ c: Case, threads: Int) {
    let g = c.geometry
    let pool = ComputePool(threadCount: threads)
    let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 3)
    let dz = randomValues(c.batch * c.filters * g.outputPositions, seed: 4)
    let reference = expected(c, x: x, dz: dz)
    for filterMajor in [false, true] {
      let (weight, weightDeviation) = accumulationDeviation(count: reference.weight.count) { dw, accumulate in
        gradients(
          c, x: x, dz: dz, filterMajor: filterMajor, pool: pool, dWeight: dw, dBias: nil, accumulate: accumulate)
      }
      let (bias, biasDeviation) = accumulationDeviation(count: c.filters) { db, accumulate in
        gradients(
          c, x: x, dz: dz, filterMajor: filterMajor, pool: pool, dWeight: nil, dBias: db, accumulate: accumulate)
      }
      #expect(relativeDifference(weight, reference.weight) < 1e-5, "filter-major \(filterMajor)")
      #expect(relativeDifference(bias, reference.bias) < 1e-5, "filter-major \(filterMajor)")
      #expect(weightDeviation < 1e-5 && biasDeviation < 1e-5, "filter-major \(filterMajor)")
    }
  }

  /// Both gradients in one call equal each computed alone.
  @Test func weightAndBiasTogetherEqualEachAlone() {
    let c = Self.cases[0]
    let g = c.geometry
    let pool = ComputePool(threadCount: 2)
    let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 5)
    let dz = randomValues(c.batch * c.filters * g.outputPositions, seed: 6)
    var (dw, db) = ([Float](repeating: 0, count: c.filters * g.columnRows), [Float](repeating: 0, count: c.filters))
    var (alone, aloneBias) = (dw, db)
    gradients(c, x: x, dz: dz, filterMajor: false, pool: pool, dWeight: &dw, dBias: &db)
    gradients(c, x: x, dz: dz, filterMajor: false, pool: pool, dWeight: &alone, dBias: nil)
    gradients(c, x: x, dz: dz, filterMajor: false, pool: pool, dWeight: nil, dBias: &aloneBias)
    #expect(dw == alone)
    #expect(db == aloneBias)
  }

  /// A layer large enough for the pool (ResNet-20's 16->16 3x3 on 16x16
  /// planes): every call on two threads, while the pool calibrates and after,
  /// gives the bits of one thread.
  @Test func sameBitsOnEveryRunAndThreadCount() {
    let c = Case(channels: 16, height: 16, width: 16, filters: 16, kernel: 3, padding: 1, batch: 9)
    let g = c.geometry
    let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 7)
    let dz = randomValues(c.batch * c.filters * g.outputPositions, seed: 8)
    func run(_ pool: ComputePool) -> [Float] {
      var dw = [Float](repeating: 0, count: c.filters * g.columnRows + c.filters)
      dw.withUnsafeMutableBufferPointer {
        gradients(
          c, x: x, dz: dz, filterMajor: false, pool: pool, dWeight: $0.baseAddress!,
          dBias: $0.baseAddress! + c.filters * g.columnRows)
      }
      return dw
    }
    let single = run(ComputePool(threadCount: 1))
    #expect(relativeDifference(Array(single.prefix(c.filters * g.columnRows)), expected(c, x: x, dz: dz).weight) < 1e-5)
    let pool = ComputePool(threadCount: 2)
    for _ in 0..<12 { #expect(run(pool) == single) }
  }

  /// Every 3x3 layer of ResNet-20 (32x32, 16x16 and 8x8 planes, stride 1 and
  /// 2) and LeNet-5's layers take the kernel; grouped layers, 1x1 kernels and
  /// layers with too many weights keep im2col + GEMM.
  @Test func appliesToUngroupedLayersOfModestSize() {
    let small = Case(channels: 16, height: 32, width: 32, filters: 16, kernel: 3, padding: 1).geometry
    #expect(ConvolutionWeightGradient.applies(small, filters: 16, groups: 1))
    #expect(!ConvolutionWeightGradient.applies(small, filters: 16, groups: 2))
    let lenet = Case(channels: 6, height: 14, width: 14, filters: 16, kernel: 5).geometry
    #expect(ConvolutionWeightGradient.applies(lenet, filters: 16, groups: 1))
    let stage2 = Case(channels: 16, height: 32, width: 32, filters: 32, kernel: 3, stride: (2, 2), padding: 1).geometry
    #expect(ConvolutionWeightGradient.applies(stage2, filters: 32, groups: 1))
    let stage3 = Case(channels: 64, height: 8, width: 8, filters: 64, kernel: 3, padding: 1).geometry
    #expect(ConvolutionWeightGradient.applies(stage3, filters: 64, groups: 1))
    let down3 = Case(channels: 32, height: 16, width: 16, filters: 64, kernel: 3, stride: (2, 2), padding: 1).geometry
    #expect(ConvolutionWeightGradient.applies(down3, filters: 64, groups: 1))
    let shortcut = Case(channels: 16, height: 32, width: 32, filters: 32, kernel: 1, stride: (2, 2)).geometry
    #expect(!ConvolutionWeightGradient.applies(shortcut, filters: 32, groups: 1))
    let wide = Case(channels: 256, height: 8, width: 8, filters: 256, kernel: 3, padding: 1).geometry
    #expect(!ConvolutionWeightGradient.applies(wide, filters: 256, groups: 1))
  }
}
