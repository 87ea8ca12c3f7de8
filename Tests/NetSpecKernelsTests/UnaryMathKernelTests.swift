import Foundation
import NetSpecKernels
import Testing

/// ``UnaryMathKernel`` and ``SamplingKernels`` against plain formulas.
@Suite struct UnaryMathKernelTests {
  static let kernels: [UnaryMathKernel] = [.exp, .log, .sqrt, .square, .neg, .abs]

  func reference(_ kernel: UnaryMathKernel, _ x: Double) -> (value: Double, derivative: Double) {
    switch kernel {
    case .exp: (Foundation.exp(x), Foundation.exp(x))
    case .log: (Foundation.log(x), 1 / x)
    case .sqrt: (x.squareRoot(), 0.5 / x.squareRoot())
    case .square: (x * x, 2 * x)
    case .neg: (-x, -1)
    case .abs: (Swift.abs(x), x > 0 ? 1 : -1)
    }
  }

  @Test(arguments: kernels)
  func forwardAndBackwardMatchFormulas(_ kernel: UnaryMathKernel) {
    let x = randomValues(9, seed: 1).map { kernel == .log || kernel == .sqrt ? 0.1 + Swift.abs($0) : 2 * $0 }
    let dy = randomValues(9, seed: 2)
    var y = [Float](repeating: 0, count: 9)
    kernel.forward(x, &y, count: 9)
    #expect(relativeDifference(y, x.map { Float(reference(kernel, Double($0)).value) }) < 1e-6)
    let (dx, deviation) = accumulationDeviation(count: 9) { dx, accumulate in
      kernel.backward(input: x, output: y, dy, dx, count: 9, accumulate: accumulate)
    }
    let expected = (0..<9).map { Float(Double(dy[$0]) * reference(kernel, Double(x[$0])).derivative) }
    #expect(relativeDifference(dx, expected) < 1e-5)
    #expect(deviation < 1e-6)
  }

  @Test func absHasGradientZeroAtZero() {
    var dx: [Float] = [7]
    UnaryMathKernel.abs.backward(input: [0], output: nil, [1], &dx, count: 1, accumulate: false)
    #expect(dx == [0])
  }

  /// z = mu + exp(logvar / 2) * eps with eps from the seeded stream, and the
  /// reparameterized gradients.
  @Test func gaussianSampleMatchesFormulas() {
    let mu = randomValues(6, seed: 3)
    let logvar = randomValues(6, seed: 4)
    var z = [Float](repeating: 0, count: 6)
    SamplingKernels.gaussianForward(z: &z, mu: mu, logvar: logvar, count: 6, seed: 11)
    var random = SplitMix64(seed: 11)
    let eps = (0..<6).map { _ in random.nextGaussian() }
    #expect(relativeDifference(z, (0..<6).map { mu[$0] + Foundation.exp(0.5 * logvar[$0]) * eps[$0] }) < 1e-6)
    let dz = randomValues(6, seed: 5)
    var dMu = [Float](repeating: 1, count: 6)
    var dLogvar = [Float](repeating: 0, count: 6)
    SamplingKernels.gaussianBackward(
      dMu: &dMu, dLogvar: &dLogvar, dz: dz, mu: mu, z: z, count: 6, accumulateMu: true, accumulateLogvar: false)
    #expect(relativeDifference(dMu, dz.map { $0 + 1 }) < 1e-6)
    let expected = (0..<6).map { 0.5 * dz[$0] * Foundation.exp(0.5 * logvar[$0]) * eps[$0] }
    #expect(relativeDifference(dLogvar, expected) < 1e-5)
  }
}
