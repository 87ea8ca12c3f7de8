import NetSpecKernels
import Testing

/// `PoolingGeometry`'s kernels against plain loops over clipped windows, for
/// geometries that take the fast path (windows inside the plane, 2x2 and 3x3
/// unrolled) and ones that clip. Results must be equal to the bit: the fast
/// path visits the elements in the same order.
@Suite struct PoolingKernelTests {
  struct Case: Sendable, CustomStringConvertible {
    var height, width, kernel, stride, padding: Int
    /// PyTorch's `ceil_mode`: a last, partial window that starts inside the
    /// input or the left padding.
    var ceilMode = false
    var description: String { "\(height)x\(width) k\(kernel) s\(stride) p\(padding)\(ceilMode ? " ceil" : "")" }

    func windows(_ size: Int) -> Int {
      let span = size + 2 * padding - kernel
      let rounded = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
      return ceilMode && (rounded - 1) * stride >= size + padding ? rounded - 1 : rounded
    }

    var geometry: PoolingGeometry {
      PoolingGeometry(
        height: height, width: width, kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding),
        outputHeight: windows(height), outputWidth: windows(width))
    }
  }

  static let cases = [
    Case(height: 8, width: 6, kernel: 2, stride: 2, padding: 0),
    Case(height: 7, width: 9, kernel: 3, stride: 2, padding: 0),
    Case(height: 6, width: 6, kernel: 3, stride: 1, padding: 0),
    Case(height: 9, width: 8, kernel: 4, stride: 3, padding: 0),
    Case(height: 5, width: 7, kernel: 3, stride: 2, padding: 1),
    Case(height: 5, width: 5, kernel: 2, stride: 2, padding: 1),
    Case(height: 6, width: 7, kernel: 3, stride: 2, padding: 1, ceilMode: true),
    Case(height: 7, width: 6, kernel: 2, stride: 3, padding: 0, ceilMode: true),
  ]

  /// Positions of output `(oh, ow)`'s window inside the padded plane: the
  /// divisor with padding counted (less than the kernel area only for a
  /// `ceil_mode` window that runs past the padding).
  func paddedArea(_ g: PoolingGeometry, _ oh: Int, _ ow: Int) -> Int {
    let top = oh * g.strideHeight - g.padTop
    let left = ow * g.strideWidth - g.padLeft
    return (min(g.height + g.padTop, top + g.kernelHeight) - top)
      * (min(g.width + g.padLeft, left + g.kernelWidth) - left)
  }

  /// The window of output `(oh, ow)` clipped to the plane, as plane offsets, row by row.
  func window(_ g: PoolingGeometry, _ oh: Int, _ ow: Int) -> [Int] {
    let top = oh * g.strideHeight - g.padTop
    let left = ow * g.strideWidth - g.padLeft
    var offsets: [Int] = []
    for ih in max(0, top)..<min(g.height, top + g.kernelHeight) {
      for iw in max(0, left)..<min(g.width, left + g.kernelWidth) { offsets.append(ih * g.width + iw) }
    }
    return offsets
  }

  func plane(_ count: Int, seed: UInt64, nanAt nan: Int? = nil) -> [Float] {
    var random = SplitMix64(seed: seed)
    var values = (0..<count).map { _ in 2 * random.nextFloat() - 1 }
    if let nan { values[nan] = .nan }
    return values
  }

  @Test(arguments: cases)
  func maxMatchesPlainLoops(_ c: Case) {
    let g = c.geometry
    for nan in [nil, 3] {
      let x = plane(g.inputPlane, seed: 1, nanAt: nan)
      var y = [Float](repeating: 0, count: g.outputPlane)
      var argmax = [Float](repeating: 0, count: g.outputPlane)
      g.maxForward(x, &y, argmax: &argmax)
      for oh in 0..<g.outputHeight {
        for ow in 0..<g.outputWidth {
          let offsets = window(g, oh, ow)
          var (best, index) = (-Float.infinity, offsets[0])
          for i in offsets where x[i] > best || x[i].isNaN { (best, index) = (x[i], i) }
          let o = oh * g.outputWidth + ow
          #expect(y[o].bitPattern == best.bitPattern && argmax[o] == Float(index), "\(c) output \(o)")
        }
      }
    }
  }

  @Test(arguments: cases, [true, false])
  func averageMatchesPlainLoops(_ c: Case, countIncludesPadding: Bool) {
    let g = c.geometry
    let x = plane(g.inputPlane, seed: 2)
    let dy = plane(g.outputPlane, seed: 3)
    var y = [Float](repeating: 0, count: g.outputPlane)
    var dx = [Float](repeating: 7, count: g.inputPlane)
    g.averageForward(x, &y, countIncludesPadding: countIncludesPadding)
    g.averageBackward(dy, &dx, countIncludesPadding: countIncludesPadding, accumulate: false)
    var expectedDX = [Float](repeating: 0, count: g.inputPlane)
    for oh in 0..<g.outputHeight {
      for ow in 0..<g.outputWidth {
        let offsets = window(g, oh, ow)
        let divisor = Float(countIncludesPadding ? paddedArea(g, oh, ow) : offsets.count)
        var sum: Float = 0
        for i in offsets { sum += x[i] }
        let o = oh * g.outputWidth + ow
        #expect(y[o].bitPattern == (sum / divisor).bitPattern, "\(c) output \(o)")
        for i in offsets { expectedDX[i] += dy[o] / divisor }
      }
    }
    #expect(dx.map(\.bitPattern) == expectedDX.map(\.bitPattern), "\(c)")
  }
}
