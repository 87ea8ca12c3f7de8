import NetSpecKernels
import Testing

/// ``GroupNormKernels``, ``RMSNormKernels`` and ``LayerNormKernels`` over
/// strided vectors against plain loops in Double, their gradients written and
/// accumulated.
@Suite struct GroupNormKernelTests {
  let pool = ComputePool(threadCount: 2)

  /// Normalizes each of `vectors` (lists of indices into `x`) and returns, per
  /// vector, `xhat` and the gradient `dx` for `g = dy * scale` (the layer
  /// norm gradient, with `scale` the per-element weight).
  private func reference(
    _ x: [Float], _ dy: [Float], vectors: [[Int]], scale: (Int) -> Double, epsilon: Double
  ) -> (xhat: [Double], dx: [Double]) {
    var (xhat, dx) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: x.count))
    for indices in vectors {
      let values = indices.map { Double(x[$0]) }
      let m = Double(values.count)
      let mean = values.reduce(0, +) / m
      let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / m
      let inverseStd = 1 / (variance + epsilon).squareRoot()
      let g = indices.map { Double(dy[$0]) * scale($0) }
      let normalized = values.map { ($0 - mean) * inverseStd }
      let (sumG, sumGXhat) = (g.reduce(0, +), zip(g, normalized).map(*).reduce(0, +))
      for (k, i) in indices.enumerated() {
        xhat[i] = normalized[k]
        dx[i] = inverseStd * (g[k] - sumG / m - normalized[k] * sumGXhat / m)
      }
    }
    return (xhat, dx)
  }

  private func close(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-4) -> Bool {
    zip(a, b).allSatisfy { abs(Double($0) - $1) < tolerance }
  }

  @Test(arguments: [true, false])
  func groupNormMatchesPlainLoops(affine: Bool) {
    let (batch, channels, groups, positions) = (2, 6, 3, 5)
    let count = batch * channels * positions
    let x = randomValues(count, seed: 1)
    let dy = randomValues(count, seed: 2)
    let (weight, bias) = (randomValues(channels, seed: 3), randomValues(channels, seed: 4))
    let channel = { (i: Int) in (i / positions) % channels }
    let vectors = (0..<(batch * groups)).map { block in Array((block * 10)..<((block + 1) * 10)) }
    let (xhat, expectedDx) = reference(
      x, dy, vectors: vectors, scale: { affine ? Double(weight[channel($0)]) : 1 }, epsilon: 1e-5)
    var y = [Float](repeating: 0, count: count)
    var (mean, inverseStd) = ([Float](repeating: 0, count: 6), [Float](repeating: 0, count: 6))
    weight.withUnsafeBufferPointer { w in
      bias.withUnsafeBufferPointer { b in
        GroupNormKernels.forward(
          y: &y, mean: &mean, inverseStd: &inverseStd, x: x, weight: affine ? w.baseAddress : nil,
          bias: affine ? b.baseAddress : nil, batch: batch, channels: channels, groups: groups, positions: positions,
          epsilon: 1e-5, pool: pool)
      }
    }
    let expectedY: [Double] = (0..<count).map { i in
      affine ? xhat[i] * Double(weight[channel(i)]) + Double(bias[channel(i)]) : xhat[i]
    }
    #expect(close(y, expectedY))
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      weight.withUnsafeBufferPointer { w in
        GroupNormKernels.backward(
          dx: dx, dWeight: nil, dBias: nil, x: x, dy: dy, mean: mean, inverseStd: inverseStd,
          weight: affine ? w.baseAddress : nil, batch: batch, channels: channels, groups: groups, positions: positions,
          accumulateInput: accumulate, accumulateWeight: false, accumulateBias: false, pool: pool)
      }
    }
    #expect(close(dx, expectedDx) && deviation < 1e-5)
    let expectedDWeight: [Double] = (0..<channels).map { c in
      (0..<count).filter { channel($0) == c }.map { Double(dy[$0]) * xhat[$0] }.reduce(0, +)
    }
    let expectedDBias: [Double] = (0..<channels).map { c in
      (0..<count).filter { channel($0) == c }.map { Double(dy[$0]) }.reduce(0, +)
    }
    for (target, expected) in [(0, expectedDWeight), (1, expectedDBias)] {
      let (gradient, deviation) = accumulationDeviation(count: channels) { gradient, accumulate in
        GroupNormKernels.backward(
          dx: nil, dWeight: target == 0 ? gradient : nil, dBias: target == 1 ? gradient : nil, x: x, dy: dy,
          mean: mean, inverseStd: inverseStd, weight: weight, batch: batch, channels: channels, groups: groups,
          positions: positions, accumulateInput: false, accumulateWeight: accumulate, accumulateBias: accumulate,
          pool: pool)
      }
      #expect(close(gradient, expected) && deviation < 1e-5)
    }
  }

  @Test func rmsNormMatchesPlainLoops() {
    let (rows, features) = (4, 7)
    let x = randomValues(rows * features, seed: 5)
    let dy = randomValues(rows * features, seed: 6)
    let weight = randomValues(features, seed: 7)
    var y = [Float](repeating: 0, count: x.count)
    var inverseRMS = [Float](repeating: 0, count: rows)
    RMSNormKernels.forward(
      y: &y, inverseRMS: &inverseRMS, x: x, weight: weight, rows: rows, features: features, epsilon: 1e-6, pool: pool)
    var (expectedY, expectedDx) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: x.count))
    var expectedDWeight = [Double](repeating: 0, count: features)
    for r in 0..<rows {
      let values = (0..<features).map { Double(x[r * features + $0]) }
      let inverse = 1 / (values.map { $0 * $0 }.reduce(0, +) / Double(features) + 1e-6).squareRoot()
      let g = (0..<features).map { Double(dy[r * features + $0]) * Double(weight[$0]) }
      let dot = zip(g, values).map(*).reduce(0, +)
      for j in 0..<features {
        expectedY[r * features + j] = values[j] * inverse * Double(weight[j])
        // d/dx_j of x_j * r: r * g_j - x_j * r^3 * dot / D.
        expectedDx[r * features + j] = inverse * g[j] - values[j] * inverse * inverse * inverse * dot / Double(features)
        expectedDWeight[j] += Double(dy[r * features + j]) * values[j] * inverse
      }
    }
    #expect(close(y, expectedY))
    let (dx, dxDeviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      RMSNormKernels.backward(
        dx: dx, dWeight: nil, x: x, dy: dy, inverseRMS: inverseRMS, weight: weight, rows: rows, features: features,
        accumulateInput: accumulate, accumulateWeight: false, pool: pool)
    }
    let (dWeight, dWeightDeviation) = accumulationDeviation(count: features) { dWeight, accumulate in
      RMSNormKernels.backward(
        dx: nil, dWeight: dWeight, x: x, dy: dy, inverseRMS: inverseRMS, weight: weight, rows: rows,
        features: features, accumulateInput: false, accumulateWeight: accumulate, pool: pool)
    }
    #expect(close(dx, expectedDx) && close(dWeight, expectedDWeight))
    #expect(dxDeviation < 1e-5 && dWeightDeviation < 1e-5)
  }

  /// Layer norm over axis 1 of `[outer, features, inner]` (ConvNeXt's
  /// channels-first norm) and over the last axis (`inner` 1).
  @Test(arguments: [1, 5])
  func layerNormOverStridedVectorsMatchesPlainLoops(inner: Int) {
    let (outer, features) = (3, 4)
    let count = outer * features * inner
    let x = randomValues(count, seed: 8)
    let dy = randomValues(count, seed: 9)
    let (weight, bias) = (randomValues(features, seed: 10), randomValues(features, seed: 11))
    let feature = { (i: Int) in (i / inner) % features }
    let vectors = (0..<outer).flatMap { o in
      (0..<inner).map { i in (0..<features).map { d in (o * features + d) * inner + i } }
    }
    let (xhat, expectedDx) = reference(x, dy, vectors: vectors, scale: { Double(weight[feature($0)]) }, epsilon: 1e-5)
    let rows = outer * inner
    var y = [Float](repeating: 0, count: count)
    var (mean, inverseStd) = ([Float](repeating: 0, count: rows), [Float](repeating: 0, count: rows))
    LayerNormKernels.forward(
      x: x, y: &y, weight: weight, bias: bias, mean: &mean, inverseStd: &inverseStd, rows: rows, features: features,
      inner: inner, epsilon: 1e-5, pool: pool)
    #expect(close(y, (0..<count).map { xhat[$0] * Double(weight[feature($0)]) + Double(bias[feature($0)]) }))
    var workspace = [Float](repeating: 0, count: count)
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      LayerNormKernels.backward(
        x: x, outputGradient: dy, weight: weight, mean: mean, inverseStd: inverseStd, workspace: &workspace,
        inputGradient: dx, accumulateInput: accumulate, weightGradient: nil, accumulateWeight: false,
        biasGradient: nil, accumulateBias: false, rows: rows, features: features, inner: inner, pool: pool)
    }
    #expect(close(dx, expectedDx) && deviation < 1e-5)
    let expectedDWeight = (0..<features).map { d in
      (0..<count).filter { feature($0) == d }.map { Double(dy[$0]) * xhat[$0] }.reduce(0, +)
    }
    let (dWeight, weightDeviation) = accumulationDeviation(count: features) { dWeight, accumulate in
      LayerNormKernels.backward(
        x: x, outputGradient: dy, weight: weight, mean: mean, inverseStd: inverseStd, workspace: &workspace,
        inputGradient: nil, accumulateInput: false, weightGradient: dWeight, accumulateWeight: accumulate,
        biasGradient: nil, accumulateBias: false, rows: rows, features: features, inner: inner, pool: pool)
    }
    #expect(close(dWeight, expectedDWeight) && weightDeviation < 1e-5)
  }
}
