/// Average pooling whose windows follow from the sizes alone, over the
/// `[height, width]` planes of `[planes, height, width]`: adaptive (PyTorch's
/// `AdaptiveAvgPool2d`) and global (one mean per plane). Planes run in parallel.
public enum AveragePoolingKernels {
  /// The input positions averaged into output cell `i` of `output` along an axis
  /// of `input` positions: `floor(i * input / output) ..< ceil((i + 1) * input / output)`.
  @inline(__always)
  public static func window(_ i: Int, input: Int, output: Int) -> Range<Int> {
    // i * input / output without overflow: input = q * output + r with r < output.
    let (q, r) = input.quotientAndRemainder(dividingBy: output)
    return (i * q + i * r / output)..<((i + 1) * q + ((i + 1) * r + output - 1) / output)
  }

  /// Each output cell is the mean of its window (windows overlap when the sizes
  /// do not divide evenly).
  public static func adaptiveForward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, planes: Int, height: Int, width: Int,
    outputHeight: Int, outputWidth: Int, pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / (height * width))) { planeRange in
      for plane in planeRange {
        let (x, y) = (x + plane * height * width, y + plane * outputHeight * outputWidth)
        for oh in 0..<outputHeight {
          let rows = window(oh, input: height, output: outputHeight)
          for ow in 0..<outputWidth {
            let columns = window(ow, input: width, output: outputWidth)
            var sum: Float = 0
            for ih in rows {
              for iw in columns { sum += x[ih * width + iw] }
            }
            y[oh * outputWidth + ow] = sum / Float(rows.count * columns.count)
          }
        }
      }
    }
  }

  /// Each output gradient spread evenly across its window; added into `dx` when
  /// `accumulate` is set.
  public static func adaptiveBackward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, planes: Int, height: Int, width: Int,
    outputHeight: Int, outputWidth: Int, accumulate: Bool, pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / (height * width))) { planeRange in
      for plane in planeRange {
        let (dx, dy) = (dx + plane * height * width, dy + plane * outputHeight * outputWidth)
        if !accumulate { dx.update(repeating: 0, count: height * width) }
        for oh in 0..<outputHeight {
          let rows = window(oh, input: height, output: outputHeight)
          for ow in 0..<outputWidth {
            let columns = window(ow, input: width, output: outputWidth)
            let share = dy[oh * outputWidth + ow] / Float(rows.count * columns.count)
            for ih in rows {
              for iw in columns { dx[ih * width + iw] += share }
            }
          }
        }
      }
    }
  }

  /// `y[plane]` = the mean of plane `plane` (`planeSize` floats).
  public static func globalForward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, planes: Int, planeSize: Int, pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / planeSize)) { planeRange in
      for plane in planeRange {
        y[plane] = Reductions.sum(x + plane * planeSize, count: planeSize) / Float(planeSize)
      }
    }
  }

  /// `dy[plane] / planeSize` broadcast over each plane; added into `dx` when
  /// `accumulate` is set.
  public static func globalBackward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, planes: Int, planeSize: Int, accumulate: Bool,
    pool: ComputePool
  ) {
    pool.parallelRanges(planes, grain: max(1, 16_384 / planeSize)) { planeRange in
      for plane in planeRange {
        let dx = dx + plane * planeSize
        let share = dy[plane] / Float(planeSize)
        if accumulate {
          for i in 0..<planeSize { dx[i] += share }
        } else {
          dx.update(repeating: share, count: planeSize)
        }
      }
    }
  }
}
