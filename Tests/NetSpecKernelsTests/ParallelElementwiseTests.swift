import Foundation
import NetSpecKernels
import Testing

/// The element-wise passes that a training step used to run on the calling thread
/// (activations, arithmetic, bias sums, batch normalization's sums, optimizer
/// updates), on sizes large enough to be split: one thread and two give the same
/// bits, and both match plain loops.
@Suite struct ParallelElementwiseTests {
  let one = ComputePool(threadCount: 1)
  let two = ComputePool(threadCount: 2)
  /// More than two grains, and not a multiple of a vector.
  let count = 2 * ComputePool.elementGrain + 1_237

  /// `body` run on a copy of `initial` with each pool: the two results.
  func onBothPools(_ initial: [Float], _ body: (UnsafeMutablePointer<Float>, ComputePool) -> Void) -> (
    [Float], [Float]
  ) {
    var (a, b) = (initial, initial)
    a.withUnsafeMutableBufferPointer { body($0.baseAddress!, one) }
    b.withUnsafeMutableBufferPointer { body($0.baseAddress!, two) }
    return (a, b)
  }

  @Test(arguments: [1, 64, 2 * ComputePool.elementGrain - 1, 2 * ComputePool.elementGrain + 1_237, 100_000])
  func elementSplitsCoverEverythingOnWholeVectors(count: Int) {
    for threads in [1, 2, 3] {
      let pool = ComputePool(threadCount: threads)
      var ranges: [Range<Int>] = []
      let lock = NSLock()
      pool.parallelElements(count) { range in lock.withLock { ranges.append(range) } }
      ranges.sort { $0.lowerBound < $1.lowerBound }
      #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
      #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
      #expect(ranges.dropFirst().allSatisfy { $0.lowerBound % 64 == 0 })
      // The pool's share, or everything on the caller where one thread was faster.
      #expect([1, max(1, min(threads, count / ComputePool.elementGrain))].contains(ranges.count))
    }
  }

  @Test func orderedSumDoesNotDependOnTheThreadCount() {
    let x = randomValues(count, seed: 1)
    let chunk = 1_000
    var expected: Double = 0
    for start in stride(from: 0, to: x.count, by: chunk) {
      expected += x[start..<min(x.count, start + chunk)].reduce(0) { $0 + Double($1) }
    }
    for threads in [1, 2, 3] {
      let sum = ComputePool(threadCount: threads).orderedSum(x.count, chunk: chunk) { range in
        x[range].reduce(0) { $0 + Double($1) }
      }
      #expect(sum == expected)
    }
    #expect(two.orderedSum(0, chunk: chunk) { _ in 1 } == 0)
  }

  @Test(arguments: [ActivationKernel.relu, .tanh, .sigmoid, .gelu(exact: false), .silu])
  func activationsGiveTheSameBitsOnOneAndTwoThreads(_ kernel: ActivationKernel) {
    let x = randomValues(count, seed: 2).map { 4 * $0 }
    let dy = randomValues(count, seed: 3)
    var serial = [Float](repeating: 0, count: count)
    kernel.forward(x, &serial, count: count)
    let (y1, y2) = onBothPools(serial.map { _ in 0 }) { y, pool in kernel.forward(x, y, count: count, pool: pool) }
    #expect(y1 == serial && y2 == serial)
    if kernel == .relu { #expect(serial == x.map { max($0, 0) }) }
    for accumulate in [false, true] {
      var expected = [Float](repeating: 0.5, count: count)
      kernel.backward(input: x, output: serial, dy, &expected, count: count, accumulate: accumulate)
      let (dx1, dx2) = onBothPools([Float](repeating: 0.5, count: count)) { dx, pool in
        kernel.backward(input: x, output: serial, dy, dx, count: count, accumulate: accumulate, pool: pool)
      }
      #expect(dx1 == expected && dx2 == expected)
    }
  }

  /// Same-shaped operands (split by elements) and a per-channel operand (split by samples).
  @Test(arguments: [[64, 256], [64, 1]])
  func arithmeticGivesTheSameBitsOnOneAndTwoThreads(_ bShape: [Int]) {
    let (batch, space) = (4, [64, 256])
    let geometry = BroadcastGeometry(space: space, a: space, b: bShape)
    let a = randomValues(batch * geometry.aCount, seed: 4)
    let b = randomValues(batch * geometry.bCount, seed: 5).map { $0 + ($0 < 0 ? -0.5 : 0.5) }
    let dy = randomValues(batch * geometry.count, seed: 6)
    let bIndex = { (e: Int) in bShape[1] == 1 ? e / 256 : e }
    let (y1, y2) = onBothPools([Float](repeating: 0, count: a.count)) { y, pool in
      BroadcastKernels.forward(.divide, y: y, a: a, b: b, batch: batch, geometry: geometry, pool: pool)
    }
    #expect(y1 == y2)
    #expect(y1 == a.indices.map { a[$0] / b[bIndex($0)] })
    for accumulate in [false, true] {
      let (db1, db2) = onBothPools([Float](repeating: 1, count: b.count)) { db, pool in
        BroadcastKernels.backward(
          .multiply, dx: db, dy: dy, a: a, b: b, operand: 1, batch: batch, geometry: geometry,
          accumulate: accumulate, pool: pool)
      }
      var expected = [Float](repeating: accumulate ? 1 : 0, count: b.count)
      for e in dy.indices { expected[bIndex(e)] += dy[e] * a[e] }
      #expect(db1 == db2)
      #expect(relativeDifference(db1, expected) < 1e-5)
    }
    let (s1, s2) = onBothPools([Float](repeating: 0, count: a.count)) { y, pool in
      BroadcastKernels.scalarForward(.multiply, y: y, x: a, scalar: 3, count: a.count, pool: pool)
    }
    #expect(s1 == s2 && s1 == a.map { $0 * 3 })
  }

  @Test func biasGradientGivesTheSameBitsOnOneAndTwoThreads() {
    let (rows, columns) = (64, 1_000)
    let dy = randomValues(rows * columns, seed: 7)
    var expected = [Float](repeating: 0, count: columns)
    for i in 0..<rows { for j in 0..<columns { expected[j] += dy[i * columns + j] } }
    let (db1, db2) = onBothPools([Float](repeating: 9, count: columns)) { db, pool in
      BiasGradient.columnSums(dy, rows: rows, columns: columns, into: db, accumulate: false, pool: pool)
    }
    #expect(db1 == expected && db2 == expected)
  }

  @Test func fusedBatchNormSumsEqualTheSeparateOnes() {
    for n in [0, 5, 31, 32, 33, 1_000] {
      let x = randomValues(n, seed: 8)
      let y = randomValues(n, seed: 9)
      let fused = Reductions.sumAndCenteredDot(x, from: 0.25, y, count: n)
      #expect(fused.sum == Reductions.sum(y, count: n))
      #expect(fused.centeredDot == Reductions.centeredDot(x, from: 0.25, y, count: n))
    }
  }

  @Test func batchNormBackwardGivesTheSameBitsOnOneAndTwoThreads() {
    let (batch, channels, positions) = (8, 16, 256)
    let total = batch * channels * positions
    let x = randomValues(total, seed: 10)
    let dy = randomValues(total, seed: 11)
    let (mean, inverseStd) = (randomValues(channels, seed: 12), randomValues(channels, seed: 13).map { 1 + $0 / 2 })
    let weight = randomValues(channels, seed: 14)
    var results: [[Float]] = []
    for pool in [one, two] {
      var dx = [Float](repeating: 0, count: total)
      var dWeight = [Float](repeating: 0, count: channels)
      var dBias = [Float](repeating: 0, count: channels)
      BatchNormKernels.backward(
        dx: &dx, dWeight: &dWeight, dBias: &dBias, x: x, dy: dy, mean: mean, inverseStd: inverseStd, weight: weight,
        batch: batch, channels: channels, positions: positions, training: true, accumulateInput: false,
        accumulateWeight: false, accumulateBias: false, pool: pool)
      results.append(dx + dWeight + dBias)
    }
    #expect(results[0] == results[1])
  }

  @Test(arguments: [false, true])
  func optimizerUpdatesGiveTheSameBitsOnOneAndTwoThreads(nesterov: Bool) {
    let p = randomValues(count, seed: 15)
    let g = randomValues(count, seed: 16)
    let v0 = randomValues(count, seed: 17)
    // SGD with momentum and weight decay, against the plain loop.
    var (expectedP, expectedV) = (p, v0)
    for i in 0..<count {
      var d = g[i] + 0.01 * expectedP[i]
      expectedV[i] = 0.9 * expectedV[i] + d
      d = nesterov ? d + 0.9 * expectedV[i] : expectedV[i]
      expectedP[i] -= 0.1 * d
    }
    let (sgd1, sgd2) = onBothPools(p + v0) { state, pool in
      OptimizerKernels.sgd(
        parameters: state, gradients: g, velocity: state + count, count: count, learningRate: 0.1, momentum: 0.9,
        nesterov: nesterov, weightDecay: 0.01, firstStep: false, pool: pool)
    }
    #expect(sgd1 == sgd2 && sgd1 == expectedP + expectedV)
    let zeros = [Float](repeating: 0, count: 2 * count)
    let (adam1, adam2) = onBothPools(p + zeros) { state, pool in
      OptimizerKernels.adam(
        parameters: state, gradients: g, firstMoment: state + count, secondMoment: state + 2 * count, count: count,
        learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledDecay: 0.01, step: 1,
        pool: pool)
    }
    #expect(adam1 == adam2)
    // Adam's first step moves every weight by about the learning rate.
    #expect(zip(adam1.prefix(count), p).allSatisfy { abs(abs($0 - $1 * (1 - 1e-4)) - 0.01) < 1e-4 || $0 == $1 })
  }

  @Test func clippingGivesTheSameNormOnOneAndTwoThreads() {
    let g = randomValues(count, seed: 18)
    let norm = g.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    var norms: [Float] = []
    let (g1, g2) = onBothPools(g) { gradients, pool in
      norms.append(OptimizerKernels.clipNorm(gradients, count: count, maxNorm: 1, pool: pool))
    }
    #expect(norms[0] == norms[1])
    #expect(abs(Double(norms[0]) - norm) < 1e-4 * norm)
    #expect(g1 == g2)
    let clipped = g1.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(abs(clipped - 1) < 1e-4)
  }

  /// A one-row product large enough to be split over the threads (and timed both
  /// ways while it calibrates) gives the same bits on every call and thread count.
  @Test(arguments: [false, true])
  func largeOneRowProductsGiveTheSameBitsOnOneAndTwoThreads(transposeB: Bool) {
    let (n, k) = (1_100, 1_000)
    let row = randomValues(k, seed: 19)
    let b = randomValues(n * k, seed: 20)
    var results: Set<[Float]> = []
    for pool in [one, two, two, two, two, two, two, two, two, two] {
      var c = [Float](repeating: 0, count: n)
      GEMM.sgemm(
        transposeB: transposeB, m: 1, n: n, k: k, a: row, lda: k, b: b, ldb: transposeB ? k : n, c: &c, ldc: n,
        pool: pool)
      results.insert(c)
    }
    #expect(results.count == 1)
  }
}
