import Foundation
import NetSpecKernels
import Testing

/// ``LossKernels`` against plain loops in Double: the loss (mean or sum), and
/// the prediction's gradient written or accumulated.
@Suite struct LossKernelTests {
  let count = 12
  let dLoss: [Float] = [0.7]

  @Test(arguments: [true, false])
  func meanSquaredError(_ average: Bool) {
    let (p, t) = (randomValues(count, seed: 1), randomValues(count, seed: 2))
    let divisor = average ? Double(count) : 1
    var loss: [Float] = [0]
    LossKernels.mseForward(loss: &loss, prediction: p, target: t, count: count, average: average)
    let expected = zip(p, t).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / divisor
    #expect(abs(Double(loss[0]) - expected) < 1e-6 * max(1, expected))
    let (dp, deviation) = accumulationDeviation(count: count) { dp, accumulate in
      LossKernels.mseBackward(
        dPrediction: dp, prediction: p, target: t, dLoss: dLoss, count: count, average: average,
        accumulate: accumulate)
    }
    let expectedGradient = zip(p, t).map { 2 * ($0 - $1) * dLoss[0] / Float(divisor) }
    #expect(relativeDifference(dp, expectedGradient) < 1e-6)
    #expect(deviation < 1e-6)
  }

  @Test(arguments: [true, false])
  func binaryCrossEntropyOfLogits(_ average: Bool) {
    let x = randomValues(count, seed: 3).map { 30 * $0 }
    let t = randomValues(count, seed: 4).map { ($0 + 1) / 2 }
    let divisor = average ? Double(count) : 1
    var loss: [Float] = [0]
    LossKernels.binaryCrossEntropyForward(loss: &loss, logits: x, target: t, count: count, average: average)
    // -t log(sigmoid(x)) - (1 - t) log(1 - sigmoid(x)), in Double.
    let expected =
      zip(x, t).map { x, t in
        let (x, t) = (Double(x), Double(t))
        return -t * (-log1p(exp(-x))) - (1 - t) * (-x - log1p(exp(-x)))
      }.reduce(0, +) / divisor
    #expect(abs(Double(loss[0]) - expected) < 1e-4 * max(1, expected))
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      LossKernels.binaryCrossEntropyBackward(
        dLogits: dx, logits: x, target: t, dLoss: dLoss, count: count, average: average, accumulate: accumulate)
    }
    let expectedGradient = zip(x, t).map { (1 / (1 + exp(-$0)) - $1) * dLoss[0] / Float(divisor) }
    #expect(relativeDifference(dx, expectedGradient) < 1e-6)
    #expect(deviation < 1e-6)
  }

  /// One layout and set of options of the cross-entropy kernels.
  struct CrossEntropyCase: Sendable, CustomTestStringConvertible {
    var inner = 1
    var smoothing: Float = 0
    var ignoreIndex: Int?
    var average = true
    var testDescription: String {
      "inner \(inner) smoothing \(smoothing) ignore \(ignoreIndex.map(String.init) ?? "-") average \(average)"
    }
  }

  @Test(arguments: [
    CrossEntropyCase(), CrossEntropyCase(smoothing: 0.1), CrossEntropyCase(inner: 3, average: false),
    CrossEntropyCase(inner: 3, smoothing: 0.2, ignoreIndex: 2), CrossEntropyCase(ignoreIndex: 4, average: false),
  ])
  func crossEntropy(_ c: CrossEntropyCase) {
    let (rows, classes, inner) = (4, 5, c.inner)
    let logits = randomValues(rows * classes * inner, seed: 5).map { 5 * $0 }
    let targets = (0..<rows * inner).map { Float(($0 * 7 + 3) % classes) }
    var loss: [Float] = [0]
    var probabilities = [Float](repeating: 0, count: logits.count)
    LossKernels.crossEntropyForward(
      loss: &loss, probabilities: &probabilities, logits: logits, targets: targets, rows: rows, classes: classes,
      inner: inner, smoothing: c.smoothing, ignoreIndex: c.ignoreIndex, average: c.average)
    // Per position (r, i): the classes at (r * classes + k) * inner + i.
    let counted = targets.filter { Int($0) != c.ignoreIndex }.count
    let divisor = c.average ? Double(counted) : 1
    var total: Double = 0
    var expectedGradient = [Float](repeating: 0, count: logits.count)
    for r in 0..<rows {
      for i in 0..<inner {
        let index = { (k: Int) in (r * classes + k) * inner + i }
        let row = (0..<classes).map { Double(logits[index($0)]) }
        let logSum = log(row.map { exp($0) }.reduce(0, +))
        let target = Int(targets[r * inner + i])
        let s = Double(c.smoothing)
        for k in 0..<classes {
          #expect(abs(Double(probabilities[index(k)]) - exp(row[k] - logSum)) < 1e-6)
          guard target != c.ignoreIndex else { continue }
          let weight = (k == target ? 1 - s : 0) + s / Double(classes)
          total += weight * (logSum - row[k])
          expectedGradient[index(k)] = Float((exp(row[k] - logSum) - weight) * Double(dLoss[0]) / divisor)
        }
      }
    }
    #expect(abs(Double(loss[0]) - total / divisor) < 1e-5 * max(1, total / divisor))
    let (dx, deviation) = accumulationDeviation(count: logits.count) { dx, accumulate in
      LossKernels.crossEntropyBackward(
        dLogits: dx, probabilities: probabilities, targets: targets, dLoss: dLoss, rows: rows, classes: classes,
        inner: inner, smoothing: c.smoothing, ignoreIndex: c.ignoreIndex, average: c.average, accumulate: accumulate)
    }
    #expect(relativeDifference(dx, expectedGradient) < 1e-6)
    #expect(deviation < 1e-6)
  }

  @Test func crossEntropyOfOnlyIgnoredPositionsIsZero() {
    let logits = randomValues(6, seed: 8)
    let targets: [Float] = [1, 1]
    var loss: [Float] = [5]
    var probabilities = [Float](repeating: 0, count: 6)
    LossKernels.crossEntropyForward(
      loss: &loss, probabilities: &probabilities, logits: logits, targets: targets, rows: 2, classes: 3, inner: 1,
      smoothing: 0, ignoreIndex: 1, average: true)
    #expect(loss[0] == 0)
  }

  @Test(arguments: [true, false])
  func klDivergence(_ average: Bool) {
    let (rows, features) = (3, 4)
    let mu = randomValues(rows * features, seed: 6)
    let lv = randomValues(rows * features, seed: 7).map { 2 * $0 }
    let divisor = average ? Double(rows) : 1
    var loss: [Float] = [0]
    LossKernels.klDivergenceForward(
      loss: &loss, mu: mu, logVariance: lv, rows: rows, features: features, average: average)
    var sum: Double = 0
    for (m, v) in zip(mu.map(Double.init), lv.map(Double.init)) { sum += 1 + v - m * m - exp(v) }
    let expected = -0.5 * sum / divisor
    #expect(abs(Double(loss[0]) - expected) < 1e-5 * max(1, abs(expected)))
    let (dMu, muDeviation) = accumulationDeviation(count: mu.count) { dMu, accumulate in
      LossKernels.klDivergenceBackward(
        dMu: dMu, dLogVariance: nil, mu: mu, logVariance: lv, dLoss: dLoss, rows: rows, features: features,
        average: average, accumulateMu: accumulate, accumulateLogVariance: false)
    }
    let (dLv, lvDeviation) = accumulationDeviation(count: lv.count) { dLv, accumulate in
      LossKernels.klDivergenceBackward(
        dMu: nil, dLogVariance: dLv, mu: mu, logVariance: lv, dLoss: dLoss, rows: rows, features: features,
        average: average, accumulateMu: false, accumulateLogVariance: accumulate)
    }
    #expect(relativeDifference(dMu, mu.map { $0 * dLoss[0] / Float(divisor) }) < 1e-6)
    #expect(relativeDifference(dLv, lv.map { 0.5 * (exp($0) - 1) * dLoss[0] / Float(divisor) }) < 1e-6)
    #expect(muDeviation < 1e-6 && lvDeviation < 1e-6)
  }

  @Test func addWeightedWritesThenAccumulates() {
    var total: [Float] = [9]
    LossKernels.addWeighted(total: &total, term: [2], weight: 0.5, accumulate: false)
    #expect(total == [1])
    LossKernels.addWeighted(total: &total, term: [3], weight: 2, accumulate: true)
    #expect(total == [7])
  }
}
