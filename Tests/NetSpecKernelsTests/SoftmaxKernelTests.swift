import Foundation
import NetSpecKernels
import Testing

/// ``SoftmaxKernels`` against plain loops over `[outer, length, inner]`.
@Suite struct SoftmaxKernelTests {
  static let layouts = [(1, 5, 1), (3, 4, 1), (2, 3, 4), (1, 6, 5)]

  /// The softmax of vector `(o, i)` computed in Double.
  func reference(_ x: [Float], _ o: Int, _ i: Int, length: Int, inner: Int) -> [Double] {
    let vector = (0..<length).map { Double(x[(o * length + $0) * inner + i]) }
    let maximum = vector.max()!
    let exps = vector.map { exp($0 - maximum) }
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
  }

  @Test(arguments: layouts.indices)
  func forwardAndBackwardMatchPlainLoops(_ index: Int) {
    let (outer, length, inner) = Self.layouts[index]
    let count = outer * length * inner
    let x = randomValues(count, seed: 1).map { 4 * $0 }
    let dy = randomValues(count, seed: 2)
    var y = [Float](repeating: 0, count: count)
    SoftmaxKernels.forward(y: &y, x: x, outer: outer, length: length, inner: inner)
    var expectedY = [Float](repeating: 0, count: count)
    var expectedDx = [Float](repeating: 0, count: count)
    for o in 0..<outer {
      for i in 0..<inner {
        let p = reference(x, o, i, length: length, inner: inner)
        let at = (0..<length).map { (o * length + $0) * inner + i }
        let dot = (0..<length).map { p[$0] * Double(dy[at[$0]]) }.reduce(0, +)
        for j in 0..<length {
          expectedY[at[j]] = Float(p[j])
          expectedDx[at[j]] = Float(p[j] * (Double(dy[at[j]]) - dot))
        }
      }
    }
    #expect(relativeDifference(y, expectedY) < 1e-6)
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      SoftmaxKernels.backward(
        dx: dx, y: y, dy: dy, outer: outer, length: length, inner: inner, accumulate: accumulate)
    }
    #expect(relativeDifference(dx, expectedDx) < 1e-5)
    #expect(deviation < 1e-6)
  }
}
