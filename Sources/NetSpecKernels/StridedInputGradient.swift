/// The input gradient `dX` of a strided convolution as `strideHeight * strideWidth`
/// stride-1 convolutions of `dZ`, one per *phase*: the input rows `a, a + s, a + 2s, ...`
/// (`a < s`) and, likewise, the columns `b, b + s, ...` of phase `(a, b)`.
///
/// Along one axis (stride `s`, dilation `d`, padding `p`), input index `a + s * m`
/// receives `dZ[o] * W[i]` exactly when `o * s + i * d - p = a + s * m`, that is for
/// the taps `i` with `i * d ≡ a + p (mod s)`, at `o = m + (a + p - i * d) / s`. So a
/// phase is a stride-1 correlation of `dZ` with the sub-kernel of those taps
/// (spaced `s / gcd(s, d)` apart, hence a dilation of `d / gcd(s, d)`), flipped,
/// which is what ``DirectConvolution``'s input-gradient form computes for a
/// stride-1 geometry: each phase runs that kernel on a copy of its taps into a
/// workspace of its own size, and the result is scattered into every `s`-th row
/// and column of `dX`. A phase without taps (a 1x1 kernel's odd rows under
/// stride 2) gets zeros. Every tap belongs to one phase, so the work is the
/// convolution's, without im2col's column matrix or col2im's scatter of it.
///
/// Not chosen by ``ConvolutionKernels/backward(dx:dWeight:dBias:workspace:x:weight:y:preActivation:dy:batch:geometry:filters:groups:activation:variant:accumulateInput:accumulateWeight:accumulateBias:pool:planeGradient:)``:
/// on ResNet-20's strided layers it ran at 0.5-0.97x of im2col's GEMM + col2im
/// (`ConvBench --input-gradient`, docs/PERFORMANCE.md): a phase's sub-kernel
/// has 1-4 taps, so each tile sums over a short depth and every phase copies
/// all of `dZ` once more. ``ConvolutionKernels/convolvedInputGradient(dx:dz:filterMajor:weight:batch:geometry:filters:accumulate:workspace:pool:)``
/// runs it for a strided geometry, for that A/B.
public enum StridedInputGradient {
  /// The taps of one phase along one axis, and where its stride-1 correlation reads `dZ`.
  struct AxisPhase {
    /// Input indices `first, first + stride, ...` below the axis's size: `count` of them.
    var first: Int
    var count: Int
    /// The taps `i` (increasing) that reach this phase.
    var taps: [Int]
    /// `o - m` for the first tap (`(first + pad - taps[0] * dilation) / stride`).
    var offset: Int
    /// The spacing of the taps' reads in `dZ`.
    var dilation: Int

    init(first: Int, size: Int, kernel: Int, stride: Int, dilation: Int, pad: Int) {
      self.first = first
      count = first < size ? (size - first + stride - 1) / stride : 0
      taps = (0..<kernel).filter { ((first + pad - $0 * dilation) % stride + stride) % stride == 0 }
      offset = taps.first.map { (first + pad - $0 * dilation) / stride } ?? 0
      self.dilation = taps.count > 1 ? (taps[1] - taps[0]) * dilation / stride : 1
    }

    /// The phases of an axis.
    static func all(size: Int, kernel: Int, stride: Int, dilation: Int, pad: Int) -> [AxisPhase] {
      (0..<stride).map {
        AxisPhase(first: $0, size: size, kernel: kernel, stride: stride, dilation: dilation, pad: pad)
      }
    }
  }

  /// Workspace floats per sample: the largest phase of `dX`, `C * ⌈H / sh⌉ * ⌈W / sw⌉`.
  public static func workspace(_ g: ConvolutionGeometry) -> Int {
    g.channels * ((g.height + g.strideHeight - 1) / g.strideHeight) * ((g.width + g.strideWidth - 1) / g.strideWidth)
  }

  /// `dx` (`[batch, C, H, W]`) of the convolution `g` from `dz` (`[batch, F, P]`,
  /// or `[F, batch * P]` when `filterMajor`), phase by phase through `workspace`
  /// (``workspace(_:)`` floats per sample); added into `dx` when `accumulate` is set.
  public static func run(
    dx: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>, filterMajor: Bool, weight: UnsafePointer<Float>,
    batch: Int, geometry g: ConvolutionGeometry, filters: Int, accumulate: Bool,
    workspace: UnsafeMutablePointer<Float>, pool: ComputePool
  ) {
    let rows = AxisPhase.all(
      size: g.height, kernel: g.kernelHeight, stride: g.strideHeight, dilation: g.dilationHeight, pad: g.padTop)
    let columns = AxisPhase.all(
      size: g.width, kernel: g.kernelWidth, stride: g.strideWidth, dilation: g.dilationWidth, pad: g.padLeft)
    let planeSize = g.outputPositions
    let taps = UnsafeMutablePointer<Float>.allocate(capacity: max(1, filters * g.columnRows))
    defer { taps.deallocate() }
    for row in rows {
      for column in columns {
        let phase = ConvolutionGeometry(
          channels: g.channels, height: row.count, width: column.count, kernel: (row.taps.count, column.taps.count),
          stride: (1, 1), dilation: (row.dilation, column.dilation), padTop: row.offset, padLeft: column.offset,
          outputHeight: g.outputHeight, outputWidth: g.outputWidth)
        let empty = phase.columnRows == 0
        if !empty {
          gather(weight, rows: row.taps, columns: column.taps, geometry: g, filters: filters, into: taps)
          DirectConvolution(
            inputGradientOf: phase, filters: filters,
            gradientSampleStride: filterMajor ? planeSize : filters * planeSize,
            gradientChannelStride: filterMajor ? batch * planeSize : planeSize
          ).run(
            output: workspace, source: dz, weight: taps, bias: nil, relu: false, accumulate: false, batch: batch,
            pool: pool)
        }
        if !empty || !accumulate {
          scatter(
            empty ? nil : workspace, into: dx, row: row, column: column, batch: batch, geometry: g,
            accumulate: accumulate, pool: pool)
        }
      }
    }
  }

  /// The weights of taps `rows` x `columns` as a `[F, C, rows, columns]` tensor.
  static func gather(
    _ weight: UnsafePointer<Float>, rows: [Int], columns: [Int], geometry g: ConvolutionGeometry, filters: Int,
    into taps: UnsafeMutablePointer<Float>
  ) {
    var index = 0
    for kernel in 0..<filters * g.channels {
      let w = weight + kernel * g.kernelHeight * g.kernelWidth
      for i in rows {
        for j in columns {
          taps[index] = w[i * g.kernelWidth + j]
          index += 1
        }
      }
    }
  }

  /// Writes (or adds) a phase's `[batch, C, rows, columns]` result into its rows and
  /// columns of `dx`; zeros for a phase without taps (`phase` nil).
  static func scatter(
    _ phase: UnsafePointer<Float>?, into dx: UnsafeMutablePointer<Float>, row: AxisPhase, column: AxisPhase,
    batch: Int, geometry g: ConvolutionGeometry, accumulate: Bool, pool: ComputePool
  ) {
    let (rows, columns) = (row.count, column.count)
    guard rows > 0 && columns > 0 else { return }
    let (rowStep, columnStep) = (g.strideHeight * g.width, g.strideWidth)
    let planeSize = g.height * g.width
    pool.parallelRanges(batch * g.channels, grain: max(1, 16_384 / (rows * columns))) { planes in
      for plane in planes {
        let target = dx + plane * planeSize + row.first * g.width + column.first
        guard let source = phase.map({ $0 + plane * rows * columns }) else {
          for m in 0..<rows { for n in 0..<columns { target[m * rowStep + n * columnStep] = 0 } }
          continue
        }
        for m in 0..<rows {
          let (out, input) = (target + m * rowStep, source + m * columns)
          if accumulate {
            for n in 0..<columns { out[n * columnStep] += input[n] }
          } else {
            for n in 0..<columns { out[n * columnStep] = input[n] }
          }
        }
      }
    }
  }
}
