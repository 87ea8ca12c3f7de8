import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

// ConvBench: A/B of convolution kernel paths in one process, interleaved, on the
// layer shapes of ResNet-20 and LeNet-5 at batch 64 (docs/PERFORMANCE.md).
//
//   swift run -c release ConvBench [--rounds 7] [--reps 20] [--threads 1,2] [--batch 64]
//   swift run -c release ConvBench --model Benchmarks/resnet20.yaml --train --steps 20
//   swift run -c release ConvBench --model Benchmarks/resnet20.yaml --fold-ab (FoldAB.swift)
//
// The weight-gradient section (WeightGradientBench.swift) follows the forward
// and input-gradient ones; `--weight-gradient` runs it alone, `--input-gradient`
// the input-gradient one alone.
//
// The first form times, per layer shape and thread count, the forward pass through
// im2col + GEMM, the implicit GEMM and the direct convolution, then the input
// gradient through im2col's `Wᵀ * dZ` GEMM + col2im and through the direct
// convolution of dZ (by phases where strided), alternating the paths within every round,
// and prints the median round of each and the ratios. On one thread the figure is
// the calling thread's CPU time (robust under load), else wall time. The second
// runs the interpreter alone on a spec (for `perf record`) and prints samples/s.

struct Layer {
  var name: String
  var geometry: ConvolutionGeometry
  var filters: Int
  var activation: ActivationKernel?
}

func layer(
  _ name: String, channels: Int, size: Int, filters: Int, kernel: Int, stride: Int = 1, padding: Int,
  activation: ActivationKernel? = nil
) -> Layer {
  let output = (size + 2 * padding - kernel) / stride + 1
  let g = ConvolutionGeometry(
    channels: channels, height: size, width: size, kernel: (kernel, kernel), stride: (stride, stride),
    dilation: (1, 1), padTop: padding, padLeft: padding, outputHeight: output, outputWidth: output)
  return Layer(name: name, geometry: g, filters: filters, activation: activation)
}

let layers = [
  layer("resnet20 stem 3->16 32x32", channels: 3, size: 32, filters: 16, kernel: 3, padding: 1),
  layer("resnet20 stage1 16->16 32x32", channels: 16, size: 32, filters: 16, kernel: 3, padding: 1),
  layer("resnet20 stage2 down 16->32 s2", channels: 16, size: 32, filters: 32, kernel: 3, stride: 2, padding: 1),
  layer("resnet20 stage2 32->32 16x16", channels: 32, size: 16, filters: 32, kernel: 3, padding: 1),
  layer("resnet20 shortcut 1x1 16->32 s2", channels: 16, size: 32, filters: 32, kernel: 1, stride: 2, padding: 0),
  layer("resnet20 stage3 down 32->64 s2", channels: 32, size: 16, filters: 64, kernel: 3, stride: 2, padding: 1),
  layer("resnet20 stage3 64->64 8x8", channels: 64, size: 8, filters: 64, kernel: 3, padding: 1),
  layer(
    "lenet5 conv1 1->6 5x5 28x28 tanh", channels: 1, size: 28, filters: 6, kernel: 5, padding: 2, activation: .tanh),
  layer(
    "lenet5 conv2 6->16 5x5 14x14 tanh", channels: 6, size: 14, filters: 16, kernel: 5, padding: 0, activation: .tanh),
]

func option(_ name: String) -> String? {
  let arguments = CommandLine.arguments
  return arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}

let batch = option("--batch").flatMap { Int($0) } ?? 64
let rounds = option("--rounds").flatMap { Int($0) } ?? 7
let reps = option("--reps").flatMap { Int($0) } ?? 20
let threadCounts = (option("--threads") ?? "1,2").split(separator: ",").compactMap { Int($0) }

/// Seconds `body` takes: the calling thread's CPU time when `threadTime`, else wall time.
func seconds(threadTime: Bool = false, _ body: () -> Void) -> Double {
  func now() -> Double {
    guard threadTime else { return Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
  let start = now()
  body()
  return now() - start
}

func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * seed) % 97) / 97 - 0.5 } }

/// The median round of each path, in seconds per call: paths alternate within every round.
func medians(threads: Int, _ paths: [() -> Void]) -> [Double] {
  // Warm-up: enough calls for ThreadCalibration to decide every path's thread count.
  for _ in 0..<2 * (ThreadCalibration.samplesPerPath + 1) { for path in paths { path() } }
  var times = [[Double]](repeating: [], count: paths.count)
  for _ in 0..<rounds {
    for (index, path) in paths.enumerated() {
      times[index].append(seconds(threadTime: threads == 1) { for _ in 0..<reps { path() } } / Double(reps))
    }
  }
  return times.map { $0.sorted()[rounds / 2] }
}

func format(_ seconds: Double) -> String { String(format: "%.0f", seconds * 1e6) }
func ratio(_ old: Double, _ new: Double) -> String { String(format: "%.2fx", old / new) }

func compareForwardPaths() {
  print("ConvBench: forward convolution, batch \(batch), median of \(rounds) rounds x \(reps) calls, interleaved")
  print("(1 thread: the thread's CPU time; 2 threads: wall time)")
  print("")
  print("| layer | threads | im2col + GEMM µs | implicit GEMM µs | direct µs | direct vs im2col | direct vs implicit |")
  print("|---|--:|--:|--:|--:|--:|--:|")
  for threads in threadCounts {
    let pool = ComputePool(threadCount: threads)
    for layer in layers {
      let g = layer.geometry
      let x = values(batch * g.channels * g.height * g.width, 7)
      let weight = values(layer.filters * g.columnRows, 11).map { $0 * 0.1 }
      let bias = values(layer.filters, 13)
      var y = [Float](repeating: 0, count: batch * layer.filters * g.outputPositions)
      var workspace = [Float](repeating: 0, count: batch * ConvolutionKernels.workspace(g, filters: layer.filters))
      let keep: UnsafeMutablePointer<Float>? = layer.activation == nil ? nil : .allocate(capacity: y.count)
      defer { keep?.deallocate() }
      let times = medians(
        threads: threads,
        [
          {
            ConvolutionKernels.im2colForward(
              y: &y, preActivation: keep, workspace: &workspace, x: x, weight: weight, bias: bias, batch: batch,
              geometry: g, filters: layer.filters, groups: 1, activation: layer.activation, pool: pool)
          },
          {
            ConvolutionKernels.implicitForward(
              y: &y, preActivation: keep, x: x, weight: weight, bias: bias, batch: batch, geometry: g,
              filters: layer.filters, activation: layer.activation, pool: pool)
          },
          {
            ConvolutionKernels.directForward(
              y: &y, preActivation: keep, x: x, weight: weight, bias: bias, batch: batch, geometry: g,
              filters: layer.filters, activation: layer.activation, pool: pool)
          },
        ])
      print(
        "| \(layer.name) | \(threads) | \(format(times[0])) | \(format(times[1])) | \(format(times[2])) "
          + "| \(ratio(times[0], times[2])) | \(ratio(times[1], times[2])) |")
    }
  }
}

/// The input gradient of the layers that have one: im2col's path (per block of samples,
/// `dColumns = Wᵀ * dZ`, then col2im onto dx) against the direct convolution of dZ
/// (by phases for strided layers, ``StridedInputGradient``, 1x1 included although
/// the kernels keep im2col there), both reading dZ in the `[F, batch * P]` order
/// the im2col variant keeps it in.
func compareInputGradientPaths() {
  print("")
  print("ConvBench: input gradient of convolutions, batch \(batch), median of \(rounds) rounds x \(reps) calls")
  print("")
  print("| layer | threads | Wᵀ·dZ GEMM + col2im µs | direct µs | speed-up |")
  print("|---|--:|--:|--:|--:|")
  for threads in threadCounts {
    let pool = ComputePool(threadCount: threads)
    for layer in layers where layer.geometry.channels > 1 {
      let g = layer.geometry
      let positions = batch * g.outputPositions
      let dz = values(layer.filters * positions, 7)
      let weight = values(layer.filters * g.columnRows, 11).map { $0 * 0.1 }
      var dx = [Float](repeating: 0, count: batch * g.channels * g.height * g.width)
      var phases = [Float](repeating: 0, count: batch * StridedInputGradient.workspace(g))
      let block = max(1, (1 << 17) / max(1, g.columnRows * g.outputPositions))
      var columns = [Float](repeating: 0, count: g.columnRows * block * g.outputPositions)
      let sampleSize = g.channels * g.height * g.width
      let times = medians(
        threads: threads,
        [
          {
            for first in stride(from: 0, to: batch, by: block) {
              let samples = min(block, batch - first)
              GEMM.sgemm(
                transposeA: true, m: g.columnRows, n: samples * g.outputPositions, k: layer.filters, a: weight,
                lda: g.columnRows, b: dz.withUnsafeBufferPointer { $0.baseAddress! + first * g.outputPositions },
                ldb: positions, c: &columns, ldc: samples * g.outputPositions, pool: pool)
              dx.withUnsafeMutableBufferPointer {
                g.col2im(
                  columns, batch: samples, into: $0.baseAddress! + first * sampleSize, accumulate: false, pool: pool)
              }
            }
          },
          {
            ConvolutionKernels.convolvedInputGradient(
              dx: &dx, dz: dz, filterMajor: true, weight: weight, batch: batch, geometry: g, filters: layer.filters,
              accumulate: false, workspace: &phases, pool: pool)
          },
        ])
      print("| \(layer.name) | \(threads) | \(format(times[0])) | \(format(times[1])) | \(ratio(times[0], times[1])) |")
    }
  }
}

func runModel(_ path: String, training: Bool, steps: Int) {
  var diagnostics = DiagnosticBag()
  guard let text = try? String(contentsOfFile: path, encoding: .utf8),
    let spec = Frontend.check(SourceFile(path: path, text: text), &diagnostics)
  else {
    print("cannot load \(path)")
    exit(1)
  }
  let graph = spec.graph
  let plan = try! Planner.plan(graph, capacity: batch, training: training)
  let interpreter = Interpreter(plan: plan, seed: 1, pool: .shared)
  let input = interpreter.buffer(of: graph.inputs[0])
  for i in 0..<input.count { input[i] = Float(i % 17) / 17 - 0.5 }
  if training {
    let target = interpreter.buffer(of: graph.targets[0])
    for i in 0..<target.count { target[i] = Float(i % 10) }
  }
  let time = seconds {
    for _ in 0..<steps {
      interpreter.forward(batch: batch, training: training)
      if training { interpreter.backward(batch: batch) }
    }
  }
  print("\(path) \(training ? "forward + backward" : "inference"): \(Int(Double(batch * steps) / time)) samples/s")
}

if let model = option("--model"), CommandLine.arguments.contains("--fold-ab") {
  compareFold(model)
} else if let model = option("--model") {
  runModel(
    model, training: CommandLine.arguments.contains("--train"), steps: option("--steps").flatMap { Int($0) } ?? 20)
} else if CommandLine.arguments.contains("--input-gradient") {
  compareInputGradientPaths()
} else {
  if !CommandLine.arguments.contains("--weight-gradient") {
    compareForwardPaths()
    compareInputGradientPaths()
  }
  compareWeightGradients()
}
