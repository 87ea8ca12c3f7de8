// SGEMM throughput of NetSpecKernels against numpy (OpenBLAS) measured in the same run.
//
//     swift run -c release GEMMBench [--sizes 256,512,1024] [--threads 1,2] [--rounds 3] [--no-numpy]
//
// Square products C = op(A) * op(B), best of several timed batches in each of several
// rounds; every round measures NetSpecKernels and then numpy, so a burst of load from
// other processes hurts both sides of one round rather than one side only. numpy runs in a child
// `python3` with OPENBLAS_NUM_THREADS set to the same thread count and with
// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment, so OpenBLAS picks
// its own kernel for this CPU (reported through threadpoolctl when installed).

import Foundation
import NetSpecKernels

struct Options {
  var sizes = [256, 512, 1024]
  var threads = [1, 2]
  var rounds = 3
  var numpy = true

  init(_ arguments: [String]) {
    var rest = arguments.dropFirst()
    while let argument = rest.popFirst() {
      switch argument {
      case "--sizes": sizes = Self.integers(rest.popFirst())
      case "--threads": threads = Self.integers(rest.popFirst())
      case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
      case "--no-numpy": numpy = false
      default:
        print("usage: GEMMBench [--sizes 256,512,1024] [--threads 1,2] [--rounds 3] [--no-numpy]")
        exit(2)
      }
    }
  }

  private static func integers(_ text: String?) -> [Int] {
    (text ?? "").split(separator: ",").compactMap { Int($0) }
  }
}

/// A product to time: `op(A) * op(B)` with square `n x n` operands.
struct Case: Hashable {
  var n: Int
  var threads: Int
  var transposeA = false
  var transposeB = false

  var label: String { (transposeA ? "T" : "N") + (transposeB ? "T" : "N") }
}

/// Seconds for one call of `body`: the best of `trials` batches sized to ~0.1 s.
func secondsPerCall(trials: Int = 7, _ body: () -> Void) -> Double {
  body()
  var calls = 1
  var elapsed = 0.0
  while true {
    elapsed = time(calls, body)
    if elapsed > 0.02 { break }
    calls *= 4
  }
  calls = max(1, Int(Double(calls) * 0.1 / elapsed))
  var best = Double.infinity
  for _ in 0..<trials { best = min(best, time(calls, body) / Double(calls)) }
  return best
}

func time(_ calls: Int, _ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  for _ in 0..<calls { body() }
  return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

func randomMatrix(_ count: Int, seed: UInt64) -> [Float] {
  var state = seed
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(state >> 40) / Float(1 << 24) - 0.5
  }
}

func oursGFLOPs(_ test: Case, pool: ComputePool) -> Double {
  let n = test.n
  let a = randomMatrix(n * n, seed: 1)
  let b = randomMatrix(n * n, seed: 2)
  var c = [Float](repeating: 0, count: n * n)
  let seconds = a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        secondsPerCall {
          GEMM.sgemm(
            transposeA: test.transposeA, transposeB: test.transposeB, m: n, n: n, k: n,
            a: a.baseAddress!, lda: n, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n,
            pool: pool)
        }
      }
    }
  }
  return 2 * Double(n * n * n) / seconds * 1e-9
}

/// numpy's GFLOP/s for each case, or nil (with a note) when python3/numpy fail.
func numpyGFLOPs(_ cases: [Case]) -> (results: [Case: Double], kernel: String) {
  var results: [Case: Double] = [:]
  var kernel = "?"
  for threads in Set(cases.map(\.threads)).sorted() {
    let mine = cases.filter { $0.threads == threads }
    let specs = mine.map { "(\($0.n),\($0.transposeA ? 1 : 0),\($0.transposeB ? 1 : 0))" }
    let script = """
      import time, numpy as np
      try:
          import threadpoolctl
          info = [i for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas']
          print('kernel', (info[0].get('architecture') + ' (OpenBLAS ' + info[0].get('version') + ')') if info else 'no OpenBLAS found by threadpoolctl')
      except ImportError:
          print('kernel unknown (threadpoolctl not installed)')
      for n, ta, tb in [\(specs.joined(separator: ","))]:
          a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
          a = a.T if ta else a; b = b.T if tb else b
          c = np.empty((n, n), np.float32)
          np.matmul(a, b, out=c)
          calls = 1
          while True:
              t = time.perf_counter()
              for _ in range(calls): np.matmul(a, b, out=c)
              elapsed = time.perf_counter() - t
              if elapsed > 0.02: break
              calls *= 4
          calls = max(1, int(calls * 0.1 / elapsed))
          best = float('inf')
          for _ in range(7):
              t = time.perf_counter()
              for _ in range(calls): np.matmul(a, b, out=c)
              best = min(best, (time.perf_counter() - t) / calls)
          print('result', n, ta, tb, 2 * n**3 / best / 1e9)
      """
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    environment["OPENBLAS_NUM_THREADS"] = String(threads)
    environment["OMP_NUM_THREADS"] = String(threads)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    do {
      try process.run()
    } catch {
      return ([:], "numpy not run: \(error)")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
      let words = line.split(separator: " ")
      if words.first == "kernel" {
        kernel = words.dropFirst().joined(separator: " ")
      } else if words.first == "result", words.count == 5, let n = Int(words[1]),
        let gflops = Double(words[4])
      {
        results[Case(n: n, threads: threads, transposeA: words[2] == "1", transposeB: words[3] == "1")] = gflops
      }
    }
  }
  return (results, kernel)
}

/// Round-trip cost of an empty `parallelFor` with one task per thread, workers awake.
func dispatchMicroseconds(_ pool: ComputePool) -> Double {
  let tasks = pool.threadCount
  return secondsPerCall { pool.parallelFor(tasks) { _ in } } * 1e6
}

let options = Options(CommandLine.arguments)
var cases: [Case] = []
for threads in options.threads {
  for n in options.sizes { cases.append(Case(n: n, threads: threads)) }
}
let transposeSize = options.sizes.contains(512) ? 512 : options.sizes[0]
for threads in options.threads {
  for (ta, tb) in [(false, true), (true, false)] {
    cases.append(Case(n: transposeSize, threads: threads, transposeA: ta, transposeB: tb))
  }
}

let pools = Dictionary(uniqueKeysWithValues: options.threads.map { ($0, ComputePool(threadCount: $0)) })
var ours: [Case: Double] = [:]
var numpy: [Case: Double] = [:]
var kernel = "not measured"
for _ in 0..<options.rounds {
  for test in cases {
    ours[test] = max(ours[test] ?? 0, oursGFLOPs(test, pool: pools[test.threads]!))
  }
  if options.numpy {
    let round = numpyGFLOPs(cases)
    numpy.merge(round.results, uniquingKeysWith: max)
    kernel = round.kernel
  }
}

print("SGEMM C = op(A) * op(B), n x n x n, GFLOP/s (best of \(options.rounds) rounds x 7 batches)")
print("numpy kernel: \(kernel)")
print("| op | n | threads | NetSpecKernels | numpy | ours/numpy |")
print("|----|--:|--:|--:|--:|--:|")
for test in cases {
  let mine = ours[test]!
  let theirs = numpy[test]
  let ratio = theirs.map { String(format: "%.0f%%", 100 * mine / $0) } ?? "-"
  print(
    "| \(test.label) | \(test.n) | \(test.threads) | \(String(format: "%.1f", mine)) | "
      + "\(theirs.map { String(format: "%.1f", $0) } ?? "-") | \(ratio) |")
}
for threads in options.threads where threads > 1 {
  print(String(format: "ComputePool dispatch, %d threads, empty tasks: %.2f us", threads, dispatchMicroseconds(pools[threads]!)))
}
