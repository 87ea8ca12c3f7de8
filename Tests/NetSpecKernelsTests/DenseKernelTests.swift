import NetSpecKernels
import Testing

/// ``DenseKernels`` against plain loops: `y = f(x Wᵀ + b)` and its gradients,
/// written and accumulated, with and without the producer's ReLU mask.
@Suite struct DenseKernelTests {
  let rows = 5
  let features = 7
  let units = 3
  let pool = ComputePool(threadCount: 2)

  @Test(arguments: [nil, ActivationKernel.relu, .tanh, .gelu(exact: false)])
  func forwardAndBackwardMatchPlainLoops(_ activation: ActivationKernel?) {
    let x = randomValues(rows * features, seed: 1)
    let weight = randomValues(units * features, seed: 2)
    let bias = randomValues(units, seed: 3)
    let dy = randomValues(rows * units, seed: 4)
    let mask = randomValues(rows * features, seed: 5).map { max($0, 0) }
    var z = [Float](repeating: 0, count: rows * units)
    for r in 0..<rows {
      for u in 0..<units {
        var sum = bias[u]
        for f in 0..<features { sum += x[r * features + f] * weight[u * features + f] }
        z[r * units + u] = sum
      }
    }
    var expectedY = z
    activation?.forward(z, &expectedY, count: z.count)
    let keepsZ = activation?.needsInput == true
    var y = [Float](repeating: 0, count: rows * units)
    var preActivation = [Float](repeating: 0, count: rows * units)
    preActivation.withUnsafeMutableBufferPointer { saved in
      DenseKernels.forward(
        y: &y, preActivation: keepsZ ? saved.baseAddress! : nil, x: x, weight: weight, bias: bias, rows: rows,
        features: features, units: units, activation: activation, pool: pool)
    }
    #expect(relativeDifference(y, expectedY) < 1e-5)

    var dz = dy
    activation?.backward(input: z, output: expectedY, dy, &dz, count: dz.count, accumulate: false)
    var (dx, dw, db) = (
      [Float](repeating: 0, count: rows * features), [Float](repeating: 0, count: units * features),
      [Float](repeating: 0, count: units)
    )
    for r in 0..<rows {
      for u in 0..<units {
        db[u] += dz[r * units + u]
        for f in 0..<features {
          dx[r * features + f] += dz[r * units + u] * weight[u * features + f]
          dw[u * features + f] += dz[r * units + u] * x[r * features + f]
        }
      }
    }
    let masked = zip(dx, mask).map { $1 > 0 ? $0 : 0 }
    var workspace = [Float](repeating: 0, count: rows * units)
    for (target, expected, useMask) in [(0, dx, false), (0, masked, true), (1, dw, false), (2, db, false)] {
      let (gradient, deviation) = accumulationDeviation(count: expected.count) { gradient, accumulate in
        mask.withUnsafeBufferPointer { mask in
          DenseKernels.backward(
            dx: target == 0 ? gradient : nil, dWeight: target == 1 ? gradient : nil,
            dBias: target == 2 ? gradient : nil, workspace: &workspace, x: x, weight: weight, y: y,
            preActivation: keepsZ ? preActivation : nil, dy: dy, reluMask: useMask ? mask.baseAddress! : nil,
            rows: rows, features: features, units: units, activation: activation, accumulateInput: accumulate,
            accumulateWeight: accumulate, accumulateBias: accumulate, pool: pool)
        }
      }
      #expect(relativeDifference(gradient, expected) < 1e-5, "gradient \(target), mask \(useMask)")
      // The mask zeroes whole elements of dx, so the plan folds it only into a written one.
      if !useMask { #expect(deviation < 1e-5, "gradient \(target)") }
    }
  }
}
