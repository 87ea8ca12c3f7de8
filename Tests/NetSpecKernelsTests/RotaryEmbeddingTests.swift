import Foundation
import NetSpecKernels
import Testing

/// ``RotaryEmbedding`` against plain loops over `[rows, heads * d]` rows at
/// step `row % steps`: the forward rotation, its transpose as the gradient
/// (both ways of `accumulate`), and the in-place form attention uses.
@Suite struct RotaryEmbeddingTests {
  /// (rows, steps, heads, head width, base)
  static let layouts = [(4, 4, 1, 2, 10000.0), (6, 3, 2, 4, 10000.0), (10, 5, 3, 6, 100.0)]

  /// The rotation of `x` computed in Double, by `sign` times the angle.
  func reference(_ x: [Float], rows: Int, steps: Int, heads: Int, headWidth: Int, base: Double, sign: Double)
    -> [Float]
  {
    let half = headWidth / 2
    var y = x
    for row in 0..<rows {
      for h in 0..<heads {
        for i in 0..<half {
          let angle = sign * Double(row % steps) / pow(base, Double(2 * i) / Double(headWidth))
          let (p, q) = (row * heads * headWidth + h * headWidth + i, row * heads * headWidth + h * headWidth + i + half)
          let (a, b) = (Double(x[p]), Double(x[q]))
          y[p] = Float(a * cos(angle) - b * sin(angle))
          y[q] = Float(b * cos(angle) + a * sin(angle))
        }
      }
    }
    return y
  }

  @Test(arguments: layouts.indices)
  func forwardAndBackwardMatchPlainLoops(_ index: Int) {
    let (rows, steps, heads, headWidth, base) = Self.layouts[index]
    let rotary = RotaryEmbedding(width: heads * headWidth, heads: heads, base: base)
    let count = rows * heads * headWidth
    let x = randomValues(count, seed: 3)
    let dy = randomValues(count, seed: 4)
    var y = [Float](repeating: 0, count: count)
    rotary.forward(y: &y, x: x, rows: rows, steps: steps)
    let expected = reference(x, rows: rows, steps: steps, heads: heads, headWidth: headWidth, base: base, sign: 1)
    #expect(relativeDifference(y, expected) < 1e-6)
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      rotary.backward(dx: dx, dy: dy, rows: rows, steps: steps, accumulate: accumulate)
    }
    let expectedDx = reference(
      dy, rows: rows, steps: steps, heads: heads, headWidth: headWidth, base: base, sign: -1)
    #expect(relativeDifference(dx, expectedDx) < 1e-6)
    #expect(deviation < 1e-6)
    // In place, as attention rotates its queries and keys.
    var inPlace = x
    inPlace.withUnsafeMutableBufferPointer { rotary.rotate($0.baseAddress!, rows: rows, steps: steps, inverse: false) }
    #expect(inPlace == y)
  }
}
