import NetSpecKernels
import Testing

/// ``SliceKernels``, ``BroadcastKernels``' expand and sum and ``MatMulKernels`` against plain
/// loops, both ways of `accumulate`.
@Suite struct IndexingKernelTests {
  /// (outer, length, inner, start, step, count)
  static let slices = [(2, 5, 3, 1, 2, 2), (1, 4, 1, 0, 1, 4), (3, 6, 2, 5, 1, 1), (2, 7, 1, 0, 3, 3)]

  @Test(arguments: slices.indices)
  func sliceMatchesPlainLoops(_ index: Int) {
    let (outer, length, inner, start, step, count) = Self.slices[index]
    let x = randomValues(outer * length * inner, seed: 1)
    let dy = randomValues(outer * count * inner, seed: 2)
    var y = [Float](repeating: 0, count: dy.count)
    SliceKernels.forward(
      y: &y, x: x, outer: outer, length: length, inner: inner, start: start, step: step, count: count)
    var expectedY = [Float](repeating: 0, count: dy.count)
    var expectedDx = [Float](repeating: 0, count: x.count)
    for o in 0..<outer {
      for j in 0..<count {
        for i in 0..<inner {
          expectedY[(o * count + j) * inner + i] = x[(o * length + start + j * step) * inner + i]
          expectedDx[(o * length + start + j * step) * inner + i] = dy[(o * count + j) * inner + i]
        }
      }
    }
    #expect(y == expectedY)
    let (dx, deviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      SliceKernels.backward(
        dx: dx, dy: dy, outer: outer, length: length, inner: inner, start: start, step: step, count: count,
        accumulate: accumulate)
    }
    #expect(dx == expectedDx)
    #expect(deviation < 1e-6)
  }

  static let broadcasts: [([Int], [Int])] = [
    ([1, 4], [3, 4]), ([2, 1, 3], [2, 4, 3]), ([2, 3, 1], [2, 3, 5]), ([1, 1, 2], [2, 3, 2]), ([2, 3], [2, 3]),
  ]

  @Test(arguments: broadcasts.indices)
  func broadcastMatchesPlainLoops(_ index: Int) {
    let (input, output) = Self.broadcasts[index]
    let x = randomValues(input.reduce(1, *), seed: 3)
    let dy = randomValues(output.reduce(1, *), seed: 4)
    var y = [Float](repeating: 0, count: dy.count)
    // One "sample" spanning the whole shape, so the leading axis may broadcast too.
    let geometry = BroadcastGeometry(space: output, a: output, b: input)
    BroadcastKernels.expand(y: &y, x: x, scale: 1, batch: 1, geometry: geometry, accumulate: false)
    var expectedY = [Float](repeating: 0, count: dy.count)
    var expectedDx = [Double](repeating: 0, count: x.count)
    for flat in 0..<dy.count {
      var rest = flat
      var source = 0
      var size = 1
      for axis in (0..<output.count).reversed() {
        let position = rest % output[axis]
        rest /= output[axis]
        source += (input[axis] == 1 ? 0 : position) * size
        size *= input[axis]
      }
      expectedY[flat] = x[source]
      expectedDx[source] += Double(dy[flat])
    }
    #expect(y == expectedY)
    let (dx, deviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      BroadcastKernels.sum(y: dx, x: dy, scale: 1, batch: 1, geometry: geometry, accumulate: accumulate)
    }
    #expect(relativeDifference(dx, expectedDx.map { Float($0) }) < 1e-6)
    #expect(deviation < 1e-5)
  }

  /// (products, m, k, n)
  static let products = [(1, 2, 3, 4), (3, 4, 2, 5), (6, 1, 7, 1)]

  @Test(arguments: products.indices)
  func matMulMatchesPlainLoops(_ index: Int) {
    let (count, m, k, n) = Self.products[index]
    let a = randomValues(count * m * k, seed: 5)
    let b = randomValues(count * k * n, seed: 6)
    let dy = randomValues(count * m * n, seed: 7)
    var y = [Float](repeating: 0, count: dy.count)
    MatMulKernels.forward(y: &y, a: a, b: b, products: count, m: m, k: k, n: n)
    var expectedY = [Float](repeating: 0, count: dy.count)
    var expectedDa = [Float](repeating: 0, count: a.count)
    var expectedDb = [Float](repeating: 0, count: b.count)
    for p in 0..<count {
      for r in 0..<m {
        for c in 0..<n {
          for i in 0..<k {
            let (ai, bi, yi) = ((p * m + r) * k + i, (p * k + i) * n + c, (p * m + r) * n + c)
            expectedY[yi] += a[ai] * b[bi]
            expectedDa[ai] += dy[yi] * b[bi]
            expectedDb[bi] += a[ai] * dy[yi]
          }
        }
      }
    }
    #expect(relativeDifference(y, expectedY) < 1e-5)
    let (da, deviationA) = accumulationDeviation(count: a.count) { da, accumulate in
      MatMulKernels.backward(
        da: da, db: nil, dy: dy, a: a, b: b, products: count, m: m, k: k, n: n, accumulateA: accumulate,
        accumulateB: false)
    }
    let (db, deviationB) = accumulationDeviation(count: b.count) { db, accumulate in
      MatMulKernels.backward(
        da: nil, db: db, dy: dy, a: a, b: b, products: count, m: m, k: k, n: n, accumulateA: false,
        accumulateB: accumulate)
    }
    #expect(relativeDifference(da, expectedDa) < 1e-5)
    #expect(relativeDifference(db, expectedDb) < 1e-5)
    #expect(max(deviationA, deviationB) < 1e-5)
  }
}
