/// The geometry of 2-D pooling over one `[H, W]` plane, and the max and average
/// kernels on one plane. A pooling layer runs them over every plane of
/// `[N, C, H, W]`; a convolution followed by pooling runs them as the epilogue of
/// its output pass, on each output plane while it is still in cache.
///
/// Every window is clipped to the plane: padding never wins a maximum, and
/// counts in an average's divisor only when `countIncludesPadding` says so
/// (positions past the padding, which `ceil_mode` windows may reach, never
/// count). A 1-d pooling is a plane of height 1.
/// The kernels are always inlined, so that emitted code, which builds the
/// geometry from literals, gets loops with constant bounds and strides.
public struct PoolingGeometry: Sendable, Hashable {
  public var height: Int
  public var width: Int
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  /// Padding before the first row and column.
  public var padTop: Int
  public var padLeft: Int
  public var outputHeight: Int
  public var outputWidth: Int

  public init(
    height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), outputHeight: Int,
    outputWidth: Int
  ) {
    self.height = height
    self.width = width
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    (padTop, padLeft) = padding
    self.outputHeight = outputHeight
    self.outputWidth = outputWidth
  }

  /// Positions of an input plane: `H * W`.
  public var inputPlane: Int { height * width }
  /// Positions of an output plane: `oh * ow`.
  public var outputPlane: Int { outputHeight * outputWidth }

  /// Whether every window lies wholly inside the plane (no padding, no ragged
  /// edge). The kernels then take a fast path: no clipping, a constant divisor,
  /// and 2x2 and 3x3 windows unrolled. It visits the elements in the same
  /// order, so results are the same to the bit.
  private var windowsInside: Bool {
    padTop == 0 && padLeft == 0 && (outputHeight - 1) * strideHeight + kernelHeight <= height
      && (outputWidth - 1) * strideWidth + kernelWidth <= width
  }

  /// Calls `body(o, start)` for every output position `o` of a plane whose
  /// windows lie inside it, `start` being the plane offset of the window's
  /// first element.
  @inline(__always)
  private func forEachInsideWindow(_ body: (_ output: Int, _ start: Int) -> Void) {
    for oh in 0..<outputHeight {
      let top = oh * strideHeight * width
      for ow in 0..<outputWidth { body(oh * outputWidth + ow, top + ow * strideWidth) }
    }
  }

  /// Calls `body(i)` for the plane offset `i` of every element of the window
  /// that starts at `start`, row by row; 2x2 and 3x3 windows unrolled.
  @inline(__always)
  private func forEachElement(ofWindowAt start: Int, _ body: (Int) -> Void) {
    let w = width
    if kernelHeight == 2 && kernelWidth == 2 {
      body(start)
      body(start + 1)
      body(start + w)
      body(start + w + 1)
    } else if kernelHeight == 3 && kernelWidth == 3 {
      for row in stride(from: start, through: start + 2 * w, by: w) {
        body(row)
        body(row + 1)
        body(row + 2)
      }
    } else {
      for row in 0..<kernelHeight {
        for column in 0..<kernelWidth { body(start + row * w + column) }
      }
    }
  }

  /// Calls `body(o, rows, columns, area)` for every output position `o` with
  /// its window clipped to the plane; `area` is the window clipped to the
  /// padded plane instead (the kernel area, except for a last window that
  /// `ceil_mode` lets run past the padding, as PyTorch counts it).
  @inline(__always)
  private func forEachWindow(
    _ body: (_ output: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ area: Int) -> Void
  ) {
    for oh in 0..<outputHeight {
      let top = oh * strideHeight - padTop
      let rows = max(0, top)..<min(height, top + kernelHeight)
      let paddedRows = min(height + padTop, top + kernelHeight) - top
      for ow in 0..<outputWidth {
        let left = ow * strideWidth - padLeft
        let paddedColumns = min(width + padLeft, left + kernelWidth) - left
        body(
          oh * outputWidth + ow, rows, max(0, left)..<min(width, left + kernelWidth), paddedRows * paddedColumns)
      }
    }
  }

  /// `y[o]` = the maximum of window `o` of `x`; `argmax[o]` = its index in the
  /// plane (`ih * W + iw`, as a Float: exact below 2^24 positions). NaN wins, as
  /// in PyTorch.
  @inline(__always)
  public func maxForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Float>
  ) {
    if windowsInside {
      forEachInsideWindow { o, start in
        var best = -Float.infinity
        var index = start
        forEachElement(ofWindowAt: start) { i in
          if x[i] > best || x[i].isNaN {
            best = x[i]
            index = i
          }
        }
        y[o] = best
        argmax[o] = Float(index)
      }
      return
    }
    forEachWindow { o, rows, columns, _ in
      var best = -Float.infinity
      var index = rows.lowerBound * width + columns.lowerBound
      for ih in rows {
        for iw in columns where x[ih * width + iw] > best || x[ih * width + iw].isNaN {
          best = x[ih * width + iw]
          index = ih * width + iw
        }
      }
      y[o] = best
      argmax[o] = Float(index)
    }
  }

  /// Routes each `dy[o]` to its window's maximum in `dx` (`dx` is zeroed first
  /// unless `accumulate`).
  @inline(__always)
  public func maxBackward(
    _ dy: UnsafePointer<Float>, argmax: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    if !accumulate { dx.update(repeating: 0, count: inputPlane) }
    for o in 0..<outputPlane { dx[Int(argmax[o])] += dy[o] }
  }

  /// The divisor of a window whose part inside the plane is `rows` x `columns`
  /// and inside the padded plane `area` positions.
  @inline(__always)
  private func divisor(_ rows: Range<Int>, _ columns: Range<Int>, area: Int, countIncludesPadding: Bool) -> Float {
    Float(countIncludesPadding ? area : rows.count * columns.count)
  }

  /// `y[o]` = the sum of window `o` of `x` over its divisor.
  @inline(__always)
  public func averageForward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, countIncludesPadding: Bool
  ) {
    if windowsInside {
      let divisor = Float(kernelHeight * kernelWidth)
      forEachInsideWindow { o, start in
        var sum: Float = 0
        forEachElement(ofWindowAt: start) { sum += x[$0] }
        y[o] = sum / divisor
      }
      return
    }
    forEachWindow { o, rows, columns, area in
      var sum: Float = 0
      for ih in rows {
        for iw in columns { sum += x[ih * width + iw] }
      }
      y[o] = sum / divisor(rows, columns, area: area, countIncludesPadding: countIncludesPadding)
    }
  }

  /// Spreads each `dy[o]` evenly (over the divisor) across its window in `dx`
  /// (`dx` is zeroed first unless `accumulate`).
  @inline(__always)
  public func averageBackward(
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, countIncludesPadding: Bool, accumulate: Bool
  ) {
    if !accumulate { dx.update(repeating: 0, count: inputPlane) }
    if windowsInside {
      let divisor = Float(kernelHeight * kernelWidth)
      forEachInsideWindow { o, start in
        let share = dy[o] / divisor
        forEachElement(ofWindowAt: start) { dx[$0] += share }
      }
      return
    }
    forEachWindow { o, rows, columns, area in
      let share = dy[o] / divisor(rows, columns, area: area, countIncludesPadding: countIncludesPadding)
      for ih in rows {
        for iw in columns { dx[ih * width + iw] += share }
      }
    }
  }
}
