import NetSpecKernels
import Testing

/// ``ResampleKernels`` and ``PadKernels`` against plain loops, their
/// gradients written and accumulated.
@Suite struct ResampleKernelTests {
  let pool = ComputePool(threadCount: 2)
  let planes = 3

  /// PyTorch's nearest indices for a few sizes: `floor(o * in / out)` in
  /// float32, `o / 2` when doubling, and `1 / scale_factor` when one is given.
  @Test func nearestIndicesFollowPyTorch() {
    let doubled = ResampleAxis(input: 3, output: 6, scaleFactor: 2, alignCorners: false)
    #expect((0..<6).map(doubled.nearest) == [0, 0, 1, 1, 2, 2])
    let sized = ResampleAxis(input: 3, output: 5, scaleFactor: nil, alignCorners: false)
    #expect((0..<5).map(sized.nearest) == [0, 0, 1, 1, 2])
    // torch.nn.functional.interpolate(x, scale_factor=1.5) over 4 positions reads [0, 0, 1, 2, 2, 3].
    let scaled = ResampleAxis(input: 4, output: 6, scaleFactor: 1.5, alignCorners: false)
    #expect((0..<6).map(scaled.nearest) == [0, 0, 1, 2, 2, 3])
  }

  /// Bilinear source points: half-pixel centres clamped at 0, or corners aligned.
  @Test func bilinearWeightsFollowPyTorch() {
    let half = ResampleAxis(input: 2, output: 4, scaleFactor: 2, alignCorners: false)
    let taps = (0..<4).map(half.linear)
    #expect(taps.map(\.first) == [0, 0, 0, 1] && taps.map(\.second) == [1, 1, 1, 1])
    #expect(taps.map(\.secondWeight) == [0, 0.25, 0.75, 0.25])
    let corners = ResampleAxis(input: 3, output: 5, scaleFactor: nil, alignCorners: true)
    #expect((0..<5).map { corners.linear($0).secondWeight } == [0, 0.5, 0, 0.5, 0])
    #expect((0..<5).map { corners.linear($0).first } == [0, 0, 1, 1, 2])
  }

  @Test(arguments: [ResampleMode.nearest, .bilinear], [false, true])
  func resamplingMatchesPlainLoops(mode: ResampleMode, alignCorners: Bool) {
    let rows = ResampleAxis(input: 3, output: 7, scaleFactor: nil, alignCorners: alignCorners && mode == .bilinear)
    let columns = ResampleAxis(input: 4, output: 6, scaleFactor: 1.5, alignCorners: alignCorners && mode == .bilinear)
    let (inputPlane, outputPlane) = (12, 42)
    let x = randomValues(planes * inputPlane, seed: 1)
    let dy = randomValues(planes * outputPlane, seed: 2)
    var y = [Float](repeating: 0, count: planes * outputPlane)
    ResampleKernels.forward(y: &y, x: x, planes: planes, rows: rows, columns: columns, mode: mode, pool: pool)
    // Reference: every output as a weighted sum of (row, column) taps, and its gradient scattered back.
    var expected = [Float](repeating: 0, count: y.count)
    var expectedDx = [Float](repeating: 0, count: x.count)
    for p in 0..<planes {
      for oh in 0..<7 {
        for ow in 0..<6 {
          for (h, hw) in taps(rows, oh, mode) {
            for (w, ww) in taps(columns, ow, mode) {
              expected[p * outputPlane + oh * 6 + ow] += hw * ww * x[p * inputPlane + h * 4 + w]
              expectedDx[p * inputPlane + h * 4 + w] += hw * ww * dy[p * outputPlane + oh * 6 + ow]
            }
          }
        }
      }
    }
    #expect(relativeDifference(y, expected) < 1e-6)
    let (dx, deviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      ResampleKernels.backward(
        dx: dx, dy: dy, planes: planes, rows: rows, columns: columns, mode: mode, accumulate: accumulate, pool: pool)
    }
    #expect(relativeDifference(dx, expectedDx) < 1e-6)
    #expect(deviation < 1e-6)
  }

  private func taps(_ axis: ResampleAxis, _ o: Int, _ mode: ResampleMode) -> [(Int, Float)] {
    if mode == .nearest { return [(axis.nearest(o), 1)] }
    let (first, second, firstWeight, secondWeight) = axis.linear(o)
    return [(first, firstWeight), (second, secondWeight)]
  }

  /// `[a, b, c]` padded by (2, 1): constant, mirrored without the edge, or the edge repeated.
  @Test func padModesFillTheBorderAsPyTorch() {
    let x: [Float] = [1, 2, 3]
    let geometry = PadGeometry(height: 1, width: 3, top: 0, bottom: 0, left: 2, right: 1)
    for (mode, expected): (PadMode, [Float]) in [
      (.constant, [9, 9, 1, 2, 3, 9]), (.reflect, [3, 2, 1, 2, 3, 2]), (.replicate, [1, 1, 1, 2, 3, 3]),
    ] {
      var y = [Float](repeating: 0, count: 6)
      PadKernels.forward(y: &y, x: x, planes: 1, geometry: geometry, mode: mode, value: 9, pool: pool)
      #expect(y == expected, "\(mode)")
    }
  }

  @Test(arguments: [PadMode.constant, .reflect, .replicate])
  func paddingMatchesPlainLoops(mode: PadMode) {
    let g = PadGeometry(height: 3, width: 4, top: 2, bottom: 1, left: 1, right: 3)
    let (inputPlane, outputPlane) = (12, 6 * 8)
    let x = randomValues(planes * inputPlane, seed: 3)
    let dy = randomValues(planes * outputPlane, seed: 4)
    var y = [Float](repeating: 0, count: planes * outputPlane)
    PadKernels.forward(y: &y, x: x, planes: planes, geometry: g, mode: mode, value: 0.5, pool: pool)
    var expected = [Float](repeating: 0.5, count: y.count)
    var expectedDx = [Float](repeating: 0, count: x.count)
    for p in 0..<planes {
      for oh in 0..<6 {
        for ow in 0..<8 {
          guard let h = source(oh - 2, 3, mode), let w = source(ow - 1, 4, mode) else { continue }
          expected[p * outputPlane + oh * 8 + ow] = x[p * inputPlane + h * 4 + w]
          expectedDx[p * inputPlane + h * 4 + w] += dy[p * outputPlane + oh * 8 + ow]
        }
      }
    }
    #expect(y == expected)
    let (dx, deviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      PadKernels.backward(dx: dx, dy: dy, planes: planes, geometry: g, mode: mode, accumulate: accumulate, pool: pool)
    }
    #expect(relativeDifference(dx, expectedDx) < 1e-6)
    #expect(deviation < 1e-6)
  }

  /// Where input position `i` (possibly outside) reads from, written out per mode.
  private func source(_ i: Int, _ size: Int, _ mode: PadMode) -> Int? {
    if (0..<size).contains(i) { return i }
    switch mode {
    case .constant: return nil
    case .replicate: return min(max(i, 0), size - 1)
    case .reflect: return i < 0 ? abs(i) : (size - 1) - (i - (size - 1))
    }
  }
}
