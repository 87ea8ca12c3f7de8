import Foundation
import NetSpecKernels
import Testing

/// ``BatchNormKernels`` and ``LocalResponseNormKernels`` against plain loops
/// in Double, their gradients written and accumulated.
@Suite struct NormalizationKernelTests {
  let pool = ComputePool(threadCount: 2)
  let batch = 3
  let channels = 4
  let positions = 5
  var count: Int { batch * channels * positions }

  @Test(arguments: [true, false])
  func batchNormMatchesPlainLoops(training: Bool) {
    let x = randomValues(count, seed: 1)
    let dy = randomValues(count, seed: 2)
    let (weight, bias) = (randomValues(channels, seed: 3), randomValues(channels, seed: 4))
    var runningMean = randomValues(channels, seed: 5)
    var runningVariance = randomValues(channels, seed: 6).map { 1 + $0 / 2 }
    let (oldMean, oldVariance) = (runningMean, runningVariance)
    var y = [Float](repeating: 0, count: count)
    var mean = [Float](repeating: 0, count: channels)
    var inverseStd = [Float](repeating: 0, count: channels)
    let (momentum, epsilon): (Float, Float) = (0.1, 1e-5)
    BatchNormKernels.forward(
      y: &y, mean: &mean, inverseStd: &inverseStd, runningMean: &runningMean, runningVariance: &runningVariance,
      x: x, weight: weight, bias: bias, batch: batch, channels: channels, positions: positions, momentum: momentum,
      epsilon: epsilon, training: training, pool: pool)
    let m = Double(batch * positions)
    for c in 0..<channels {
      let at = (0..<batch).flatMap { n in (0..<positions).map { (n * channels + c) * positions + $0 } }
      let values = at.map { Double(x[$0]) }
      let batchMean = values.reduce(0, +) / m
      let squares = values.map { ($0 - batchMean) * ($0 - batchMean) }.reduce(0, +)
      let (mu, variance) = training ? (batchMean, squares / m) : (Double(oldMean[c]), Double(oldVariance[c]))
      let std = (variance + Double(epsilon)).squareRoot()
      if training {
        #expect(abs(Double(runningMean[c]) - (0.9 * Double(oldMean[c]) + 0.1 * batchMean)) < 1e-5)
        #expect(abs(Double(runningVariance[c]) - (0.9 * Double(oldVariance[c]) + 0.1 * squares / (m - 1))) < 1e-5)
      } else {
        #expect(runningMean[c] == oldMean[c] && runningVariance[c] == oldVariance[c])
      }
      let xhat = values.map { ($0 - mu) / std }
      for (k, i) in at.enumerated() {
        #expect(abs(Double(y[i]) - (xhat[k] * Double(weight[c]) + Double(bias[c]))) < 1e-5)
      }
      // Gradients: dbias = sum dy, dweight = sum dy xhat, dx through the batch statistics in training.
      let g = at.map { Double(dy[$0]) }
      let (sumG, sumGX) = (g.reduce(0, +), zip(g, xhat).map(*).reduce(0, +))
      var dx = [Float](repeating: 0, count: count)
      var dWeight = [Float](repeating: 0, count: channels)
      var dBias = [Float](repeating: 0, count: channels)
      BatchNormKernels.backward(
        dx: &dx, dWeight: &dWeight, dBias: &dBias, x: x, dy: dy, mean: mean, inverseStd: inverseStd, weight: weight,
        batch: batch, channels: channels, positions: positions, training: training, accumulateInput: false,
        accumulateWeight: false, accumulateBias: false, pool: pool)
      #expect(abs(Double(dBias[c]) - sumG) < 1e-5)
      #expect(abs(Double(dWeight[c]) - sumGX) < 1e-5)
      for (k, i) in at.enumerated() {
        let scale = Double(weight[c]) / std
        let expected = training ? scale * (g[k] - sumG / m - xhat[k] * sumGX / m) : scale * g[k]
        #expect(abs(Double(dx[i]) - expected) < 1e-5)
      }
    }
  }

  /// A channel whose mean is large against its spread (a biased convolution
  /// before batchnorm, few values per channel) is normalized from centered
  /// values: `x * scale - mean * scale` would cancel away its precision.
  @Test func batchNormKeepsPrecisionWhenTheMeanDwarfsTheSpread() {
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
      epsilon: 0, training: true, pool: pool)
    BatchNormKernels.backward(
      dx: &dx, dWeight: nil, dBias: nil, x: x, dy: dy, mean: mean, inverseStd: inverseStd, weight: weight,
      batch: batch, channels: channels, positions: positions, training: true, accumulateInput: false,
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

  @Test func batchNormBackwardAccumulatesEachGradientWhenAsked() {
    let x = randomValues(count, seed: 1)
    let dy = randomValues(count, seed: 2)
    let weight = randomValues(channels, seed: 3)
    let mean = randomValues(channels, seed: 4)
    let inverseStd = randomValues(channels, seed: 5).map { 1 + $0 / 2 }
    for target in 0..<3 {
      let size = target == 0 ? count : channels
      let (_, deviation) = accumulationDeviation(count: size) { gradient, accumulate in
        BatchNormKernels.backward(
          dx: target == 0 ? gradient : nil, dWeight: target == 1 ? gradient : nil, dBias: target == 2 ? gradient : nil,
          x: x, dy: dy, mean: mean, inverseStd: inverseStd, weight: weight, batch: batch, channels: channels,
          positions: positions, training: true, accumulateInput: accumulate, accumulateWeight: accumulate,
          accumulateBias: accumulate, pool: pool)
      }
      #expect(deviation < 1e-5, "gradient \(target)")
    }
  }

  /// Local response normalization of `x` in Double.
  func lrnReference(_ x: [Double], size: Int, alpha: Double, beta: Double, k: Double) -> [Double] {
    var y = [Double](repeating: 0, count: x.count)
    for n in 0..<batch {
      for c in 0..<channels {
        for p in 0..<positions {
          var sum = 0.0
          for j in max(0, c - size / 2)...min(channels - 1, c + (size - 1) / 2) {
            let a = x[(n * channels + j) * positions + p]
            sum += a * a
          }
          let i = (n * channels + c) * positions + p
          y[i] = x[i] / pow(k + alpha / Double(size) * sum, beta)
        }
      }
    }
    return y
  }

  @Test(arguments: [2, 3])
  func localResponseNormMatchesPlainLoopsAndFiniteDifferences(size: Int) {
    let (alpha, beta, k): (Float, Float, Float) = (0.5, 0.75, 2)
    let x = randomValues(count, seed: 7)
    let dy = randomValues(count, seed: 8)
    var y = [Float](repeating: 0, count: count)
    var divisorBase = [Float](repeating: 0, count: count)
    LocalResponseNormKernels.forward(
      y: &y, divisorBase: &divisorBase, x: x, batch: batch, channels: channels, positions: positions, size: size,
      alpha: alpha, beta: beta, k: k, pool: pool)
    let reference = { (x: [Double]) in
      lrnReference(x, size: size, alpha: Double(alpha), beta: Double(beta), k: Double(k))
    }
    let xd = x.map(Double.init)
    #expect(relativeDifference(y, reference(xd).map(Float.init)) < 1e-6)
    // d/dx_j of sum(dy * y), by central differences in Double.
    let h = 1e-5
    let numeric = (0..<count).map { j -> Float in
      var (plus, minus) = (xd, xd)
      plus[j] += h
      minus[j] -= h
      let difference = zip(reference(plus), reference(minus)).map { $0 - $1 }
      return Float(zip(difference, dy).map { $0 * Double($1) }.reduce(0, +) / (2 * h))
    }
    var workspace = [Float](repeating: 0, count: 2 * count)
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      LocalResponseNormKernels.backward(
        dx: dx, x: x, dy: dy, divisorBase: divisorBase, workspace: &workspace, batch: batch, channels: channels,
        positions: positions, size: size, alpha: alpha, beta: beta, accumulate: accumulate, pool: pool)
    }
    #expect(relativeDifference(dx, numeric) < 1e-4)
    #expect(deviation < 1e-5)
  }
}
