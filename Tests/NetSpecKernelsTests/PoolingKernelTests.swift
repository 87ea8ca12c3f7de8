import NetSpecKernels
import Testing

/// `PoolingGeometry`'s kernels against plain loops over clipped windows, for
/// geometries that take the fast path (windows inside the plane, 2x2 and 3x3
/// unrolled) and ones that clip. Results must be equal to the bit: the fast
/// path visits the elements in the same order.
@Suite struct PoolingKernelTests {
  struct Case: Sendable, CustomStringConvertible {
    var height, width, kernel, stride, padding: Int
    var description: String { "\(height)x\(width) k\(kernel) s\(stride) p\(padding)" }

    var geometry: PoolingGeometry {
      PoolingGeometry(
        height: height, width: width, kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding),
        outputHeight: (height + 2 * padding - kernel) / stride + 1,
        outputWidth: (width + 2 * padding - kernel) / stride + 1)
    }
  }

  static let cases = [
    Case(height: 8, width: 6, kernel: 2, stride: 2, padding: 0),
    Case(height: 7, width: 9, kernel: 3, stride: 2, padding: 0),
    Case(height: 6, width: 6, kernel: 3, stride: 1, padding: 0),
    Case(height: 9, width: 8, kernel: 4, stride: 3, padding: 0),
    Case(height: 5, width: 7, kernel: 3, stride: 2, padding: 1),
    Case(height: 5, width: 5, kernel: 2, stride: 2, padding: 1),
  ]

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
        let divisor = Float(countIncludesPadding ? g.kernelHeight * g.kernelWidth : offsets.count)
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
