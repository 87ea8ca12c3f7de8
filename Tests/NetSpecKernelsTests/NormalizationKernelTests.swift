import Foundation
import NetSpecKernels
import Testing

/// ``LocalResponseNormKernels`` against plain loops in Double, its gradient
/// written and accumulated (batch normalization: BatchNormKernelTests).
@Suite struct NormalizationKernelTests {
  let pool = ComputePool(threadCount: 2)
  let batch = 3
  let channels = 4
  let positions = 5
  var count: Int { batch * channels * positions }

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
