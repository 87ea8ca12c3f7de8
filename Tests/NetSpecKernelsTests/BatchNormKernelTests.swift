import Foundation
import NetSpecKernels
import Testing

/// ``BatchNormKernels`` against plain loops in Double, with and without the
/// fused ReLU, its gradients written and accumulated, on one thread and two.
@Suite struct BatchNormKernelTests {
  let pool = ComputePool(threadCount: 2)

  /// `[batch, channels, positions]` shapes: small planes not a multiple of a
  /// vector, planes of several statistics blocks, and `[N, C]` (one position).
  static let shapes = [(3, 4, 5), (2, 2, 4_099), (5, 3, 1)]

  /// One call's results.
  struct Results {
    var y: [Float]
    var mean: [Float]
    var inverseStd: [Float]
    var runningMean: [Float]
    var runningVariance: [Float]
    var dx: [Float]
    var dWeight: [Float]
    var dBias: [Float]
  }

  /// The forward and backward passes of the kernel on `x` and `dy`.
  func run(
    _ x: [Float], _ dy: [Float], weight: [Float], bias: [Float], shape: (Int, Int, Int), training: Bool, relu: Bool,
    pool: ComputePool
  ) -> Results {
    let (batch, channels, positions) = shape
    var r = Results(
      y: [Float](repeating: 0, count: x.count), mean: [Float](repeating: 0, count: channels),
      inverseStd: [Float](repeating: 0, count: channels), runningMean: randomValues(channels, seed: 5),
      runningVariance: randomValues(channels, seed: 6).map { 1 + $0 / 2 }, dx: [Float](repeating: 0, count: x.count),
      dWeight: [Float](repeating: 0, count: channels), dBias: [Float](repeating: 0, count: channels))
    BatchNormKernels.forward(
      y: &r.y, mean: &r.mean, inverseStd: &r.inverseStd, runningMean: &r.runningMean,
      runningVariance: &r.runningVariance, x: x, weight: weight, bias: bias, batch: batch, channels: channels,
      positions: positions, momentum: 0.1, epsilon: 1e-5, training: training, relu: relu, pool: pool)
    BatchNormKernels.backward(
      dx: &r.dx, dWeight: &r.dWeight, dBias: &r.dBias, x: x, dy: dy, mean: r.mean, inverseStd: r.inverseStd,
      weight: weight, bias: bias, batch: batch, channels: channels, positions: positions, training: training,
      relu: relu, accumulateInput: false, accumulateWeight: false, accumulateBias: false, pool: pool)
    return r
  }

  @Test(arguments: [false, true], [false, true])
  func matchesPlainLoops(training: Bool, relu: Bool) {
    for shape in Self.shapes {
      let (batch, channels, positions) = shape
      let count = batch * channels * positions
      let x = randomValues(count, seed: 1)
      let dy = randomValues(count, seed: 2)
      let (weight, bias) = (randomValues(channels, seed: 3), randomValues(channels, seed: 4))
      let (oldMean, oldVariance) = (randomValues(channels, seed: 5), randomValues(channels, seed: 6).map { 1 + $0 / 2 })
      let r = run(x, dy, weight: weight, bias: bias, shape: shape, training: training, relu: relu, pool: pool)
      let m = Double(batch * positions)
      for c in 0..<channels {
        let at = (0..<batch).flatMap { n in (0..<positions).map { (n * channels + c) * positions + $0 } }
        let values = at.map { Double(x[$0]) }
        let batchMean = values.reduce(0, +) / m
        let squares = values.map { ($0 - batchMean) * ($0 - batchMean) }.reduce(0, +)
        let (mu, variance) = training ? (batchMean, squares / m) : (Double(oldMean[c]), Double(oldVariance[c]))
        let std = (variance + 1e-5).squareRoot()
        if training {
          let unbiased = m > 1 ? squares / (m - 1) : squares / m
          #expect(abs(Double(r.runningMean[c]) - (0.9 * Double(oldMean[c]) + 0.1 * batchMean)) < 1e-5)
          #expect(abs(Double(r.runningVariance[c]) - (0.9 * Double(oldVariance[c]) + 0.1 * unbiased)) < 1e-5)
        } else {
          #expect(r.runningMean[c] == oldMean[c] && r.runningVariance[c] == oldVariance[c])
        }
        let xhat = values.map { ($0 - mu) / std }
        for (k, i) in at.enumerated() {
          let linear = xhat[k] * Double(weight[c]) + Double(bias[c])
          #expect(abs(Double(r.y[i]) - (relu ? max(linear, 0) : linear)) < 1e-5, "y \(shape) \(c) \(k)")
        }
        // g is dy through the ReLU (masked where the kernel's output is not positive).
        let g = at.map { relu && r.y[$0] <= 0 ? 0 : Double(dy[$0]) }
        let (sumG, sumGX) = (g.reduce(0, +), zip(g, xhat).map(*).reduce(0, +))
        #expect(abs(Double(r.dBias[c]) - sumG) < 1e-4 * max(1, abs(sumG)))
        #expect(abs(Double(r.dWeight[c]) - sumGX) < 1e-4 * max(1, abs(sumGX)))
        let scale = Double(weight[c]) / std
        for (k, i) in at.enumerated() {
          let expected = training ? scale * (g[k] - sumG / m - xhat[k] * sumGX / m) : scale * g[k]
          #expect(abs(Double(r.dx[i]) - expected) < 1e-5, "dx \(shape) \(c) \(k)")
        }
      }
    }
  }

  /// The fused ReLU gives, bit for bit, what the separate ReLU after the
  /// plain normalization gives: the same output, and the same gradients from
  /// the ReLU's masked gradient (the plan's fused and unfused forms agree).
  @Test(arguments: [false, true])
  func fusedReLUEqualsTheSeparateReLU(training: Bool) {
    for shape in Self.shapes {
      let (_, channels, _) = shape
      let count = shape.0 * shape.1 * shape.2
      let x = randomValues(count, seed: 7)
      let dz = randomValues(count, seed: 8)
      let (weight, bias) = (randomValues(channels, seed: 9), randomValues(channels, seed: 10))
      let plain = run(x, dz, weight: weight, bias: bias, shape: shape, training: training, relu: false, pool: pool)
      let fused = run(x, dz, weight: weight, bias: bias, shape: shape, training: training, relu: true, pool: pool)
      #expect(fused.y == plain.y.map { max($0, 0) })
      let masked = zip(plain.y, dz).map { $0 > 0 ? $1 : 0 }
      let separate = run(
        x, masked, weight: weight, bias: bias, shape: shape, training: training, relu: false, pool: pool)
      #expect(fused.dx == separate.dx && fused.dWeight == separate.dWeight && fused.dBias == separate.dBias)
    }
  }

  /// A channel whose mean is large against its spread (a biased convolution
  /// before batchnorm, few values per channel) is normalized from centered
  /// values: `x * scale - mean * scale` would cancel away its precision.
  @Test func keepsPrecisionWhenTheMeanDwarfsTheSpread() {
    let (batch, channels, positions) = (3, 4, 5)
    let count = batch * channels * positions
    let x = randomValues(count, seed: 1).map { 3 + $0 / 1000 }
    let dy = randomValues(count, seed: 2)
    let (weight, bias) = ([Float](repeating: 1, count: channels), [Float](repeating: 0, count: channels))
    var (runningMean, runningVariance) = (
      [Float](repeating: 0, count: channels), [Float](repeating: 1, count: channels)
    )
    var y = [Float](repeating: 0, count: count)
    var dx = [Float](repeating: 0, count: count)
    var (mean, inverseStd) = ([Float](repeating: 0, count: channels), [Float](repeating: 0, count: channels))
    BatchNormKernels.forward(
      y: &y, mean: &mean, inverseStd: &inverseStd, runningMean: &runningMean, runningVariance: &runningVariance,
      x: x, weight: weight, bias: bias, batch: batch, channels: channels, positions: positions, momentum: 0.1,
      epsilon: 0, training: true, relu: false, pool: pool)
    BatchNormKernels.backward(
      dx: &dx, dWeight: nil, dBias: nil, x: x, dy: dy, mean: mean, inverseStd: inverseStd, weight: weight, bias: bias,
      batch: batch, channels: channels, positions: positions, training: true, relu: false, accumulateInput: false,
      accumulateWeight: false, accumulateBias: false, pool: pool)
    let m = Double(batch * positions)
    var (yError, dxError, dxLargest) = (0.0, 0.0, 0.0)
    for c in 0..<channels {
      let at = (0..<batch).flatMap { n in (0..<positions).map { (n * channels + c) * positions + $0 } }
      let values = at.map { Double(x[$0]) }
      let mu = values.reduce(0, +) / m
      let std = (values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / m).squareRoot()
      let xhat = values.map { ($0 - mu) / std }
      let g = at.map { Double(dy[$0]) }
      let (sumG, sumGX) = (g.reduce(0, +), zip(g, xhat).map(*).reduce(0, +))
      for (k, i) in at.enumerated() {
        let expected = (g[k] - sumG / m - xhat[k] * sumGX / m) / std
        yError = max(yError, abs(Double(y[i]) - xhat[k]))
        (dxError, dxLargest) = (max(dxError, abs(Double(dx[i]) - expected)), max(dxLargest, abs(expected)))
      }
    }
    // The float32 mean alone leaves about 2e-4 in xhat here; uncentered
    // arithmetic more than doubles both errors (5.9e-4 and 1.4e-4).
    #expect(yError < 4e-4)
    #expect(dxError < 1e-4 * dxLargest)
  }

  /// The one-read statistics match a two-pass computation in Double where a
  /// single shifted sum would not: a first value far from the rest, a large
  /// mean, and a channel of many blocks.
  @Test func statisticsMatchTwoPassesInDouble() {
    let (batch, positions) = (16, 5_000)
    var cases: [(String, [Float])] = [
      ("first value an outlier", randomValues(batch * positions, seed: 11).enumerated().map { $0 == 0 ? 1e4 : $1 }),
      ("mean 1e4 times the spread", randomValues(batch * positions, seed: 12).map { 1e4 + $0 }),
    ]
    cases.append(("constant", [Float](repeating: 0.3, count: batch * positions)))
    for (name, x) in cases {
      var (y, mean, inverseStd) = (
        [Float](repeating: 0, count: x.count), [Float](repeating: 0, count: 1), [Float](repeating: 0, count: 1)
      )
      var (runningMean, runningVariance) = ([Float](repeating: 0, count: 1), [Float](repeating: 1, count: 1))
      BatchNormKernels.forward(
        y: &y, mean: &mean, inverseStd: &inverseStd, runningMean: &runningMean, runningVariance: &runningVariance,
        x: x, weight: [1], bias: [0], batch: batch, channels: 1, positions: positions, momentum: 1, epsilon: 0,
        training: true, relu: false, pool: pool)
      let values = x.map(Double.init)
      let mu = values.reduce(0, +) / Double(values.count)
      let unbiased = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(values.count - 1)
      #expect(abs(Double(runningMean[0]) - mu) <= 1e-6 * max(1, abs(mu)), "\(name)")
      #expect(abs(Double(runningVariance[0]) - unbiased) <= 1e-5 * max(unbiased, 1e-30), "\(name)")
    }
  }

  @Test(arguments: [false, true])
  func backwardAccumulatesEachGradientWhenAsked(relu: Bool) {
    let (batch, channels, positions) = (3, 4, 5)
    let count = batch * channels * positions
    let x = randomValues(count, seed: 1)
    let dy = randomValues(count, seed: 2)
    let (weight, bias) = (randomValues(channels, seed: 3), randomValues(channels, seed: 6))
    let mean = randomValues(channels, seed: 4)
    let inverseStd = randomValues(channels, seed: 5).map { 1 + $0 / 2 }
    for target in 0..<3 {
      let size = target == 0 ? count : channels
      let (_, deviation) = accumulationDeviation(count: size) { gradient, accumulate in
        BatchNormKernels.backward(
          dx: target == 0 ? gradient : nil, dWeight: target == 1 ? gradient : nil, dBias: target == 2 ? gradient : nil,
          x: x, dy: dy, mean: mean, inverseStd: inverseStd, weight: weight, bias: bias, batch: batch,
          channels: channels, positions: positions, training: true, relu: relu, accumulateInput: accumulate,
          accumulateWeight: accumulate, accumulateBias: accumulate, pool: pool)
      }
      #expect(deviation < 1e-5, "gradient \(target)")
    }
  }

  /// Channel ranges on the pool give the bits of one thread, at batch 64 and
  /// batch 1 (whose few positions per channel the pool splits too); the first
  /// calls of a shape take both paths while the pool calibrates.
  @Test(arguments: [(8, 16, 256), (1, 16, 1_024), (1, 64, 64)])
  func oneAndTwoThreadsGiveTheSameBits(shape: (Int, Int, Int)) {
    let count = shape.0 * shape.1 * shape.2
    let x = randomValues(count, seed: 10)
    let dy = randomValues(count, seed: 11)
    let (weight, bias) = (randomValues(shape.1, seed: 12), randomValues(shape.1, seed: 13))
    let two = ComputePool(threadCount: 2)
    for relu in [false, true] {
      let expected = run(
        x, dy, weight: weight, bias: bias, shape: shape, training: true, relu: relu,
        pool: ComputePool(threadCount: 1))
      for _ in 0..<3 {
        let r = run(x, dy, weight: weight, bias: bias, shape: shape, training: true, relu: relu, pool: two)
        #expect(r.y == expected.y && r.mean == expected.mean && r.inverseStd == expected.inverseStd)
        #expect(r.dx == expected.dx && r.dWeight == expected.dWeight && r.dBias == expected.dBias)
      }
    }
  }

  @Test func deviationSumsMatchPlainLoops() {
    for n in [0, 5, 31, 32, 33, 1_000] {
      let x = randomValues(n, seed: 8)
      let sums = Reductions.deviationSums(x, from: 0.25, count: n)
      let deviations = x.map { Double($0) - 0.25 }
      #expect(abs(Double(sums.sum) - deviations.reduce(0, +)) < 1e-4)
      #expect(abs(Double(sums.squares) - deviations.map { $0 * $0 }.reduce(0, +)) < 1e-4)
    }
  }
}
