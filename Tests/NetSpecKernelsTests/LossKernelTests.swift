import Foundation
import NetSpecKernels
import Testing

/// ``LossKernels`` against plain loops in Double: the mean loss, and the
/// prediction's gradient written or accumulated.
@Suite struct LossKernelTests {
  let count = 12
  let dLoss: [Float] = [0.7]

  @Test func meanSquaredError() {
    let (p, t) = (randomValues(count, seed: 1), randomValues(count, seed: 2))
    var loss: [Float] = [0]
    LossKernels.mseForward(loss: &loss, prediction: p, target: t, count: count)
    let expected = zip(p, t).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(count)
    #expect(abs(Double(loss[0]) - expected) < 1e-6)
    let (dp, deviation) = accumulationDeviation(count: count) { dp, accumulate in
      LossKernels.mseBackward(
        dPrediction: dp, prediction: p, target: t, dLoss: dLoss, count: count, accumulate: accumulate)
    }
    let expectedGradient = zip(p, t).map { 2 * ($0 - $1) * dLoss[0] / Float(count) }
    #expect(relativeDifference(dp, expectedGradient) < 1e-6)
    #expect(deviation < 1e-6)
  }

  @Test func binaryCrossEntropyOfLogits() {
    let x = randomValues(count, seed: 3).map { 30 * $0 }
    let t = randomValues(count, seed: 4).map { ($0 + 1) / 2 }
    var loss: [Float] = [0]
    LossKernels.binaryCrossEntropyForward(loss: &loss, logits: x, target: t, count: count)
    // -t log(sigmoid(x)) - (1 - t) log(1 - sigmoid(x)), in Double.
    let expected =
      zip(x, t).map { x, t in
        let (x, t) = (Double(x), Double(t))
        return -t * (-log1p(exp(-x))) - (1 - t) * (-x - log1p(exp(-x)))
      }.reduce(0, +) / Double(count)
    #expect(abs(Double(loss[0]) - expected) < 1e-4 * max(1, expected))
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      LossKernels.binaryCrossEntropyBackward(
        dLogits: dx, logits: x, target: t, dLoss: dLoss, count: count, accumulate: accumulate)
    }
    let expectedGradient = zip(x, t).map { (1 / (1 + exp(-$0)) - $1) * dLoss[0] / Float(count) }
    #expect(relativeDifference(dx, expectedGradient) < 1e-6)
    #expect(deviation < 1e-6)
  }

  @Test(arguments: [Float(0), 0.1])
  func crossEntropyWithSmoothing(_ smoothing: Float) {
    let (rows, classes) = (4, 5)
    let logits = randomValues(rows * classes, seed: 5).map { 5 * $0 }
    let targets: [Float] = [0, 4, 2, 2]
    var loss: [Float] = [0]
    var probabilities = [Float](repeating: 0, count: rows * classes)
    LossKernels.crossEntropyForward(
      loss: &loss, probabilities: &probabilities, logits: logits, targets: targets, rows: rows, classes: classes,
      smoothing: smoothing)
    var total: Double = 0
    var expectedGradient = [Float](repeating: 0, count: rows * classes)
    for r in 0..<rows {
      let row = (0..<classes).map { Double(logits[r * classes + $0]) }
      let logSum = log(row.map { exp($0) }.reduce(0, +))
      let s = Double(smoothing)
      for c in 0..<classes {
        let target = (c == Int(targets[r]) ? 1 - s : 0) + s / Double(classes)
        total += target * (logSum - row[c])
        expectedGradient[r * classes + c] = Float((exp(row[c] - logSum) - target) * Double(dLoss[0]) / Double(rows))
        #expect(abs(Double(probabilities[r * classes + c]) - exp(row[c] - logSum)) < 1e-6)
      }
    }
    #expect(abs(Double(loss[0]) - total / Double(rows)) < 1e-5)
    let (dx, deviation) = accumulationDeviation(count: rows * classes) { dx, accumulate in
      LossKernels.crossEntropyBackward(
        dLogits: dx, probabilities: probabilities, targets: targets, dLoss: dLoss, rows: rows, classes: classes,
        smoothing: smoothing, accumulate: accumulate)
    }
    #expect(relativeDifference(dx, expectedGradient) < 1e-6)
    #expect(deviation < 1e-6)
  }
}
