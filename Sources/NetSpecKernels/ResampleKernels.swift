/// How ``ResampleKernels`` reads the input: PyTorch's `F.interpolate` modes.
public enum ResampleMode: Sendable, Equatable {
  /// The input pixel at `floor(o * ratio)` (PyTorch's `nearest`).
  case nearest
  /// The four input pixels around the source point, weighted by distance
  /// (PyTorch's `bilinear`).
  case bilinear

  /// The Swift literal of this mode, for emitted code.
  public var swiftLiteral: String { self == .nearest ? ".nearest" : ".bilinear" }
}

/// One axis of a resampling: input and output sizes and the ratio that maps
/// output positions to input positions, computed as PyTorch does.
public struct ResampleAxis: Sendable, Equatable {
  public var input: Int
  public var output: Int
  /// Input positions per output position: PyTorch's `1 / scale_factor` when a
  /// scale factor is given, else `input / output` (in float32), or
  /// `(input - 1) / (output - 1)` with `align_corners`.
  public var ratio: Float
  public var alignCorners: Bool

  public init(input: Int, output: Int, ratio: Float, alignCorners: Bool) {
    self.input = input
    self.output = output
    self.ratio = ratio
    self.alignCorners = alignCorners
  }

  /// The axis PyTorch resamples for these sizes, `scaleFactor` (when the output
  /// size came from one) and `align_corners` (bilinear only).
  public init(input: Int, output: Int, scaleFactor: Double?, alignCorners: Bool) {
    let ratio: Float
    if alignCorners {
      ratio = output > 1 ? Float(input - 1) / Float(output - 1) : 0
    } else if let scaleFactor, scaleFactor > 0 {
      ratio = Float(1 / scaleFactor)
    } else {
      ratio = Float(input) / Float(output)
    }
    self.init(input: input, output: output, ratio: ratio, alignCorners: alignCorners)
  }

  /// The Swift literal of this axis, for emitted code.
  public var swiftLiteral: String {
    "ResampleAxis(input: \(input), output: \(output), ratio: \(ratio.description), alignCorners: \(alignCorners))"
  }

  /// PyTorch's nearest index for output position `o`: `o` when the sizes are
  /// equal, `o / 2` when the output is twice the input, else
  /// `min(floor(o * ratio), input - 1)` in float32.
  @inline(__always)
  public func nearest(_ o: Int) -> Int {
    if output == input { return o }
    if output == 2 * input { return o >> 1 }
    return min(Int((Float(o) * ratio).rounded(.down)), input - 1)
  }

  /// The two input positions output position `o` interpolates between and
  /// their weights, as PyTorch's bilinear kernel: the source point
  /// `o * ratio` (align_corners) or `(o + 0.5) * ratio - 0.5` clamped at 0.
  @inline(__always)
  public func linear(_ o: Int) -> (first: Int, second: Int, firstWeight: Float, secondWeight: Float) {
    if output == input { return (o, o, 1, 0) }
    var source = alignCorners ? ratio * Float(o) : ratio * (Float(o) + 0.5) - 0.5
    if source < 0 { source = 0 }
    let first = min(Int(source.rounded(.down)), input - 1)
    let secondWeight = min(max(source - Float(first), 0), 1)
    return (first, first + (first < input - 1 ? 1 : 0), 1 - secondWeight, secondWeight)
  }
}

/// Nearest and bilinear resampling of the `[height, width]` planes of
/// `[planes, height, width]` (PyTorch's `F.interpolate` over `[N, C, H, W]`):
/// the interpreter's `upsample` op and emitted code both call these. Planes
/// run in parallel.
public enum ResampleKernels {
  /// `y` at every output pixel from the input pixels `mode` reads.
  public static func forward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, planes: Int, rows: ResampleAxis, columns: ResampleAxis,
    mode: ResampleMode, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, y) = (x, y)
    let (inputPlane, outputPlane) = (rows.input * columns.input, rows.output * columns.output)
    pool.parallelRanges(planes, grain: max(1, 16_384 / outputPlane)) { planeRange in
      for plane in planeRange {
        let (x, y) = (x + plane * inputPlane, y + plane * outputPlane)
        for oh in 0..<rows.output {
          let out = y + oh * columns.output
          switch mode {
          case .nearest:
            let row = x + rows.nearest(oh) * columns.input
            for ow in 0..<columns.output { out[ow] = row[columns.nearest(ow)] }
          case .bilinear:
            let (h0, h1, hw0, hw1) = rows.linear(oh)
            let (row0, row1) = (x + h0 * columns.input, x + h1 * columns.input)
            for ow in 0..<columns.output {
              let (w0, w1, ww0, ww1) = columns.linear(ow)
              out[ow] = hw0 * (ww0 * row0[w0] + ww1 * row0[w1]) + hw1 * (ww0 * row1[w0] + ww1 * row1[w1])
            }
          }
        }
      }
    }
  }

  /// Each output gradient added back to the input pixels it was read from,
  /// with their weights; into `dx` when `accumulate` is set, else over zeros.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, planes: Int, rows: ResampleAxis,
    columns: ResampleAxis, mode: ResampleMode, accumulate: Bool, pool: ComputePool
  ) {
    nonisolated(unsafe) let (dx, dy) = (dx, dy)
    let (inputPlane, outputPlane) = (rows.input * columns.input, rows.output * columns.output)
    pool.parallelRanges(planes, grain: max(1, 16_384 / outputPlane)) { planeRange in
      for plane in planeRange {
        let (dx, dy) = (dx + plane * inputPlane, dy + plane * outputPlane)
        if !accumulate { dx.update(repeating: 0, count: inputPlane) }
        for oh in 0..<rows.output {
          let gradient = dy + oh * columns.output
          switch mode {
          case .nearest:
            let row = dx + rows.nearest(oh) * columns.input
            for ow in 0..<columns.output { row[columns.nearest(ow)] += gradient[ow] }
          case .bilinear:
            let (h0, h1, hw0, hw1) = rows.linear(oh)
            let (row0, row1) = (dx + h0 * columns.input, dx + h1 * columns.input)
            for ow in 0..<columns.output {
              let (w0, w1, ww0, ww1) = columns.linear(ow)
              let g = gradient[ow]
              row0[w0] += hw0 * ww0 * g
              row0[w1] += hw0 * ww1 * g
              row1[w0] += hw1 * ww0 * g
              row1[w1] += hw1 * ww1 * g
            }
          }
        }
      }
    }
  }
}
