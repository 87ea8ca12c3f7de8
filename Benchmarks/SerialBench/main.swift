import Foundation
import NetSpecKernels

// SerialBench: A/B of the passes a training step used to run on the calling thread,
// in one process, interleaved (docs/PERFORMANCE.md, "Serial parts of a step").
//
//   swift run -c release SerialBench [--rounds 9] [--reps 20]
//
// Each pass runs on ResNet-20's (or LeNet-5's) shapes at batch 64, first on a
// one-thread pool (the caller alone: what these passes did before they were split)
// and then on a two-thread pool, alternating within every round; the table shows
// the median round of each, in µs per call (wall clock), and their ratio. The
// two-thread passes learn per call site and size whether the pool beats the caller
// (ComputePool.calibratedRanges), so under heavy load they fall back to one thread.
// Batch normalization's backward sums are also timed on one thread, as the calling
// thread's CPU time, as two passes (sum, then centered dot: the old code) against
// the fused pass.

func option(_ name: String) -> String? {
  guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else {
    return nil
  }
  return CommandLine.arguments[index + 1]
}

let rounds = option("--rounds").flatMap { Int($0) } ?? 9
let reps = option("--reps").flatMap { Int($0) } ?? 20

/// `count` floats uniform in [-1, 1).
func buffer(_ count: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
  let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
  SplitMix64.fillUniform(pointer, count: count, bound: 1, seed: seed)
  return pointer
}

/// Seconds `body` takes: wall-clock time, or the calling thread's CPU time.
func seconds(cpu: Bool, _ body: () -> Void) -> Double {
  func now() -> Double {
    var time = timespec()
    clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
  let start = now()
  body()
  return now() - start
}

/// Median µs per call of `a` and of `b`, alternating rounds; `cpu` times the calling
/// thread's CPU time (robust under load, meaningful for one-thread work only).
func compare(cpu: Bool = false, _ a: () -> Void, _ b: () -> Void) -> (Double, Double) {
  a()
  b()
  var times: ([Double], [Double]) = ([], [])
  for _ in 0..<rounds {
    times.0.append(seconds(cpu: cpu) { for _ in 0..<reps { a() } } / Double(reps))
    times.1.append(seconds(cpu: cpu) { for _ in 0..<reps { b() } } / Double(reps))
  }
  return (times.0.sorted()[rounds / 2] * 1e6, times.1.sorted()[rounds / 2] * 1e6)
}

func row(_ name: String, _ times: (Double, Double)) {
  print(
    "| \(name) | \(String(format: "%.0f", times.0)) | \(String(format: "%.0f", times.1)) "
      + "| \(String(format: "%.2f", times.0 / times.1))x |")
}

let one = ComputePool(threadCount: 1)
let two = ComputePool(threadCount: 2)
// ResNet-20's first stage at batch 64: [64, 16, 32, 32].
let (batch, channels, positions) = (64, 16, 1024)
let count = batch * channels * positions
let (x, y, dy, dx) = (buffer(count, seed: 1), buffer(count, seed: 2), buffer(count, seed: 3), buffer(count, seed: 4))
let (mean, weight) = (buffer(channels, seed: 5), buffer(channels, seed: 6))
let (sums, dots) = (buffer(channels, seed: 7), buffer(channels, seed: 8))
let biasGradient = buffer(1000, seed: 12)
let parameterCount = 272_474  // ResNet-20
let (p, g, v) = (buffer(parameterCount, seed: 9), buffer(parameterCount, seed: 10), buffer(parameterCount, seed: 11))

/// Batch normalization's two backward sums per channel: `fused` in one pass, else two.
@MainActor func batchNormSums(fused: Bool) {
  for c in 0..<channels {
    var (sum, dot): (Double, Double) = (0, 0)
    for n in 0..<batch {
      let offset = (n * channels + c) * positions
      if fused {
        let both = Reductions.sumAndCenteredDot(x + offset, from: mean[c], dy + offset, count: positions)
        sum += Double(both.sum)
        dot += Double(both.centeredDot)
      } else {
        sum += Double(Reductions.sum(dy + offset, count: positions))
        dot += Double(Reductions.centeredDot(x + offset, from: mean[c], dy + offset, count: positions))
      }
    }
    (sums[c], dots[c]) = (Float(sum), Float(dot))
  }
}

print("\(rounds) rounds x \(reps) calls, median µs per call")
print("| pass (batch 64) | old | new | old/new |")
print("|---|--:|--:|--:|")
row(
  "batchnorm backward sums, [64, 16, 32x32], caller CPU time: two passes / one",
  compare(cpu: true, { batchNormSums(fused: false) }, { batchNormSums(fused: true) }))
let passes: [(String, (ComputePool) -> Void)] = [
  ("relu forward [64, 16, 32x32]", { ActivationKernel.relu.forward(x, y, count: count, pool: $0) }),
  (
    "relu backward",
    {
      ActivationKernel.relu.backward(input: nil, output: y, dy, dx, count: count, accumulate: false, pool: $0)
    }
  ),
  (
    "residual add forward",
    {
      BroadcastKernels.forward(
        .add, y: y, a: x, b: dy, batch: batch,
        geometry: BroadcastGeometry(
          space: [channels, positions], a: [channels, positions], b: [channels, positions]),
        pool: $0)
    }
  ),
  (
    "SGD momentum + decay, 272,474 floats",
    { pool in
      OptimizerKernels.sgd(
        parameters: p, gradients: g, velocity: v, count: parameterCount, learningRate: 1e-6, momentum: 0.9,
        nesterov: false, weightDecay: 1e-4, firstStep: false, pool: pool)
    }
  ),
  (
    "bias gradient 64 x 1000",
    { pool in
      BiasGradient.columnSums(dy, rows: 64, columns: 1000, into: biasGradient, accumulate: false, pool: pool)
    }
  ),
]
for (name, pass) in passes {
  row("\(name), 1 thread / 2 threads", compare({ pass(one) }, { pass(two) }))
}
