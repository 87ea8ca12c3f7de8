import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

// `ConvBench --batchnorm [--threads 1,2] [--rounds 7] [--reps 20]`: batch normalization's
// training passes on ResNet-20's shapes at batch 64 and batch 1, interleaved in one
// process: the kernel before the one-read statistics (`PreviousBatchNorm`, kept here as
// the A of this A/B) against `BatchNormKernels`, then batchnorm + a separate ReLU pass
// against the ReLU fused into batchnorm (`relu: true`), forward and backward. Thread CPU
// time on one thread, wall time on more.

/// The batchnorm kernel as it was before the one-read statistics and the fused ReLU:
/// per channel, the sum, then the squared deviations from the mean (two reads of `x`),
/// then the normalization; backward, the two sums in one pass, then `dx`.
enum PreviousBatchNorm {
  static func forward(
    y: UnsafeMutablePointer<Float>, mean savedMean: UnsafeMutablePointer<Float>,
    inverseStd savedInverseStd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
    runningVariance: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, batch: Int, channels: Int, positions: Int, momentum: Float, epsilon: Float,
    pool: ComputePool
  ) {
    let count = batch * positions
    pool.parallelRanges(channels, grain: max(1, 16_384 / count)) { channelRange in
      for c in channelRange {
        var sum: Double = 0
        for n in 0..<batch { sum += Double(Reductions.sum(x + (n * channels + c) * positions, count: positions)) }
        let mean = Float(sum / Double(count))
        var squares: Double = 0
        for n in 0..<batch {
          squares += Double(
            Reductions.squaredDeviations(x + (n * channels + c) * positions, from: mean, count: positions))
        }
        let variance = Float(squares / Double(count))
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
        runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(squares / Double(count - 1))
        let inverseStd = 1 / (variance + epsilon).squareRoot()
        savedMean[c] = mean
        savedInverseStd[c] = inverseStd
        let (scale, shift) = (weight[c] * inverseStd, bias[c])
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          for i in 0..<positions { y[offset + i] = (x[offset + i] - mean) * scale + shift }
        }
      }
    }
  }

  static func backward(
    dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, mean savedMean: UnsafePointer<Float>,
    inverseStd savedInverseStd: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int, channels: Int,
    positions: Int, pool: ComputePool
  ) {
    let count = batch * positions
    pool.parallelRanges(channels, grain: max(1, 16_384 / count)) { channelRange in
      for c in channelRange {
        let (mean, inverseStd) = (savedMean[c], savedInverseStd[c])
        var sumDy: Double = 0
        var sumDyCentered: Double = 0
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          let sums = Reductions.sumAndCenteredDot(x + offset, from: mean, dy + offset, count: positions)
          sumDy += Double(sums.sum)
          sumDyCentered += Double(sums.centeredDot)
        }
        dWeight[c] = Float(sumDyCentered) * inverseStd
        dBias[c] = Float(sumDy)
        let a = weight[c] * inverseStd
        let b = -a * inverseStd * inverseStd * Float(sumDyCentered / Double(count))
        let c0 = -a * Float(sumDy / Double(count))
        for n in 0..<batch {
          let offset = (n * channels + c) * positions
          for i in 0..<positions { dx[offset + i] = a * dy[offset + i] + b * (x[offset + i] - mean) + c0 }
        }
      }
    }
  }
}

/// Microseconds with one decimal: batch-1 passes take a few.
func microseconds(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1e6) }

func compareBatchNorm() {
  print("ConvBench: batchnorm training passes, median of \(rounds) rounds x \(reps) calls, interleaved")
  print("(1 thread: the thread's CPU time; 2 threads: wall time; µs per call)")
  print("")
  print("| shape | threads | pass | previous | one-read | ratio | bn + relu | fused | ratio |")
  print("|---|--:|---|--:|--:|--:|--:|--:|--:|")
  let shapes = [(64, 16, 1024), (64, 32, 256), (64, 64, 64), (1, 16, 1024), (1, 32, 256), (1, 64, 64)]
  for threads in threadCounts {
    let pool = ComputePool(threadCount: threads)
    for (n, channels, positions) in shapes {
      let count = n * channels * positions
      let x = values(count, 7)
      let dz = values(count, 11)
      let (weight, bias) = (values(channels, 13).map { $0 + 1 }, values(channels, 17))
      var (y, z, dy, dx) = (
        [Float](repeating: 0, count: count), [Float](repeating: 0, count: count),
        [Float](repeating: 0, count: count), [Float](repeating: 0, count: count)
      )
      var (mean, inverseStd, dWeight, dBias) = (
        [Float](repeating: 0, count: channels), [Float](repeating: 0, count: channels),
        [Float](repeating: 0, count: channels), [Float](repeating: 0, count: channels)
      )
      var (runningMean, runningVariance) = (
        [Float](repeating: 0, count: channels), [Float](repeating: 1, count: channels)
      )
      func forward(relu: Bool) {
        BatchNormKernels.forward(
          y: &y, mean: &mean, inverseStd: &inverseStd, runningMean: &runningMean, runningVariance: &runningVariance,
          x: x, weight: weight, bias: bias, batch: n, channels: channels, positions: positions, momentum: 0.1,
          epsilon: 1e-5, training: true, relu: relu, pool: pool)
      }
      func backward(_ gradient: UnsafePointer<Float>, relu: Bool) {
        BatchNormKernels.backward(
          dx: &dx, dWeight: &dWeight, dBias: &dBias, x: x, dy: gradient, mean: mean, inverseStd: inverseStd,
          weight: weight, bias: bias, batch: n, channels: channels, positions: positions, training: true, relu: relu,
          accumulateInput: false, accumulateWeight: false, accumulateBias: false, pool: pool)
      }
      let forwardTimes = medians(
        threads: threads,
        [
          {
            PreviousBatchNorm.forward(
              y: &y, mean: &mean, inverseStd: &inverseStd, runningMean: &runningMean,
              runningVariance: &runningVariance, x: x, weight: weight, bias: bias, batch: n, channels: channels,
              positions: positions, momentum: 0.1, epsilon: 1e-5, pool: pool)
          },
          { forward(relu: false) },
          {
            forward(relu: false)
            ActivationKernel.relu.forward(y, &z, count: count, pool: pool)
          },
          { forward(relu: true) },
        ])
      forward(relu: false)
      let backwardTimes = medians(
        threads: threads,
        [
          {
            PreviousBatchNorm.backward(
              dx: &dx, dWeight: &dWeight, dBias: &dBias, x: x, dy: dz, mean: mean, inverseStd: inverseStd,
              weight: weight, batch: n, channels: channels, positions: positions, pool: pool)
          },
          { backward(dz, relu: false) },
          {
            ActivationKernel.relu.backward(input: nil, output: y, dz, &dy, count: count, accumulate: false, pool: pool)
            backward(dy, relu: false)
          },
          { backward(dz, relu: true) },
        ])
      for (pass, t) in [("forward", forwardTimes), ("backward", backwardTimes)] {
        print(
          "| [\(n), \(channels), \(positions)] | \(threads) | \(pass) | \(microseconds(t[0])) "
            + "| \(microseconds(t[1])) | \(ratio(t[0], t[1])) | \(microseconds(t[2])) | \(microseconds(t[3])) "
            + "| \(ratio(t[2], t[3])) |")
      }
    }
  }
}

// `ConvBench --model SPEC --relu-epilogue-ab [--threads 1,2] [--rounds 7] [--reps 20]`: training
// steps (forward + backward) of the spec at batch 64 through two training plans in one
// process, without and with the `relu-epilogue` fusion (batchnorm -> relu), alternating
// within every round.
func compareReLUEpilogue(_ path: String) {
  var diagnostics = DiagnosticBag()
  guard let text = try? String(contentsOfFile: path, encoding: .utf8),
    let spec = Frontend.check(SourceFile(path: path, text: text), &diagnostics)
  else {
    print("cannot load \(path)")
    exit(1)
  }
  let plans = [["relu-epilogue"], []].map { excluded in
    try! Planner.plan(spec.graph, capacity: batch, training: true, excludingFusions: Set(excluded))
  }
  print("ConvBench: \(path) training steps, batch \(batch), median of \(rounds) rounds x \(reps) steps, interleaved")
  print("arena floats: unfused \(plans[0].arenaSize), relu-epilogue \(plans[1].arenaSize)")
  print("")
  print("| threads | unfused ms | fused ms | speed-up | clock |")
  print("|--:|--:|--:|--:|---|")
  for threads in threadCounts {
    let pool = ComputePool(threadCount: threads)
    let interpreters = plans.map { Interpreter(plan: $0, seed: 1, pool: pool) }
    for interpreter in interpreters {
      let input = interpreter.buffer(of: spec.graph.inputs[0])
      for i in 0..<input.count { input[i] = Float(i % 17) / 17 - 0.5 }
      let target = interpreter.buffer(of: spec.graph.targets[0])
      for i in 0..<target.count { target[i] = Float(i % 10) }
    }
    let step = { (interpreter: Interpreter) in
      interpreter.forward(batch: batch, training: true)
      interpreter.backward(batch: batch)
    }
    for interpreter in interpreters { for _ in 0..<3 { step(interpreter) } }  // warm-up, thread calibration
    var times: [[Double]] = [[], []]
    for _ in 0..<rounds {
      for (i, interpreter) in interpreters.enumerated() {
        times[i].append(seconds(threadTime: threads == 1) { for _ in 0..<reps { step(interpreter) } } / Double(reps))
      }
    }
    let (old, new) = (times[0].sorted()[rounds / 2], times[1].sorted()[rounds / 2])
    print(
      "| \(threads) | \(String(format: "%.2f", old * 1e3)) | \(String(format: "%.2f", new * 1e3)) "
        + "| \(String(format: "%.2f", old / new))x | \(threads == 1 ? "thread CPU" : "wall") |")
  }
}
