// NetSpec against PyTorch eager and onnxruntime, measured in the same run.
//
//     swift run -c release SpeedBench [--steps 50] [--warmup 10] [--rounds 5] [--threads 1,2]
//         [--python .venv/bin/python] [--noise 0.10] [--retakes 3]
//
// For the MLP 784-256-256-10 (Benchmarks/mlp784.yaml), LeNet-5 (specs/lenet5.yaml) and
// a CIFAR ResNet-20 (Benchmarks/resnet20.yaml) at batch 64, at each thread count:
// emitted Swift (one compiled driver, a child process per thread count with
// NETSPEC_THREADS set) training steps/s, inference samples/s and batch-1 latency; the
// interpreter (in this process, on a pool of that many threads) the same; PyTorch
// eager training (the spec's optimizer, through the `netspec export --format pytorch`
// project's model.py and train.py) and inference; onnxruntime inference of the
// `netspec export --format onnx` model at batch 64 and batch 1 (reference.py beside
// this file, a child of --python per thread count, with torch.set_num_threads, ORT's
// intra_op_num_threads and OMP_NUM_THREADS). All start from the same initial weights
// (the spec's seed) on the same batch; the first training step's loss is printed for
// each as a check that they do the same work. Rounds interleave every measurement;
// tables show the median round. A noise guard (NoiseGuard.swift) discards and retakes
// samples during which other processes used CPU. Then the peak RSS of a fresh emitted
// training process against the planned arena (the goal: 1.2x arena + 30 MB).
// A missing Python package is noted; a measurement that fails is an `error:` line, and
// the run exits with status 1 after its tables (CI's smoke run, docs/TESTING.md).

import BenchmarkSupport
import Foundation
import NetSpec

let benchBatch = 64

struct Options {
  var steps = 50
  var warmup = 10
  var rounds = 5
  var threads = [1, 2]
  var python: String?
  var noise = 0.10
  var retakes = 3

  init(_ arguments: [String]) {
    var rest = arguments.dropFirst()
    while let argument = rest.popFirst() {
      let value = rest.popFirst() ?? ""
      switch argument {
      case "--steps": steps = Int(value) ?? 0
      case "--warmup": warmup = Int(value) ?? 0
      case "--rounds": rounds = Int(value) ?? 0
      case "--threads": threads = value.split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 }
      case "--python": python = value
      case "--noise": noise = Double(value) ?? -1
      case "--retakes": retakes = Int(value) ?? -1
      default: Self.usage()
      }
    }
    if steps < 1 || warmup < 1 || rounds < 1 || threads.isEmpty || !(0...1).contains(noise) || retakes < 0 {
      Self.usage()
    }
  }

  static func usage() -> Never {
    print(
      "usage: SpeedBench [--steps 50] [--warmup 10] [--rounds 5] [--threads 1,2] [--python PATH] [--noise 0.10] [--retakes 3]"
    )
    exit(2)
  }
}

extension BenchmarkModel {
  /// The spec's seed, which the emitted code and the references initialize from.
  var seed: Int { spec.document.train?.seed ?? 0 }
  var learningRate: Double { spec.document.train!.optimizer.learningRate }
}

let options = Options(CommandLine.arguments)
let models = [
  BenchmarkModel("Benchmarks/mlp784.yaml", typeName: "MLP784"), BenchmarkModel("specs/lenet5.yaml", typeName: "LeNet5"),
  BenchmarkModel("Benchmarks/resnet20.yaml", typeName: "ResNet20"),
]
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-speed-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: directory) }

print("SpeedBench: batch \(benchBatch), float32, threads \(options.threads.map(String.init).joined(separator: ", "))")
print("  median of \(options.rounds) rounds x \(options.steps) steps after \(options.warmup) warm-up steps")
print(
  "  batch-1 latency: \(options.steps * 16) passes; noise guard: others may use \(Int(options.noise * 100)) % of the CPU"
)
let driver = Driver.build(models, in: directory.appendingPathComponent("driver"))
let references = References(models, options: options, in: directory)
let measurements = Measurements(models: models, references: references, driver: driver, options: options)
measurements.run()
measurements.printTables()
MemoryReport.print(models, driver: driver, references: references, options: options)
let failed = measurements.failures.count + references.skipped.count
if failed > 0 { fail("\(failed) measurement(s) or export(s) failed: see the errors above") }
