// SGEMM throughput of NetSpecKernels against numpy (OpenBLAS) measured in the same run.
//
//     swift run -c release GEMMBench [--sizes 256,512,1024] [--threads 1,2] [--rounds 3]
//                                    [--shapes MxNxK[:TN],...] [--no-numpy]
//
// Prints GFLOP/s of C = op(A) * op(B) for square sizes (plain, and both transposes at
// 512), then for shapes typical of small networks (or those given with --shapes; a
// `:NT` suffix transposes B, `:TN` A). Each number is the best of several timed
// batches in each of several rounds; a round measures NetSpecKernels and then numpy,
// so a burst of load from other processes hurts both sides of one round, not one side.
//
// numpy runs reference.py (beside this file) in a child `python3` with
// OPENBLAS_NUM_THREADS set to the same thread count and OPENBLAS_CORETYPE /
// OPENBLAS_L2_SIZE removed from its environment, so OpenBLAS picks its own kernel for
// this CPU (reported through threadpoolctl when it is installed).

import Foundation
import NetSpecKernels

/// One product to time.
struct Case: Hashable {
  var m: Int
  var n: Int
  var k: Int
  var transposeA = false
  var transposeB = false
  var threads = 1

  var label: String {
    let square = m == n && n == k ? "\(n)" : "\(m)x\(n)x\(k)"
    return square + (transposeA || transposeB ? " " + (transposeA ? "T" : "N") + (transposeB ? "T" : "N") : "")
  }

  var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

  /// Parses `MxNxK` with an optional `:NN`, `:NT`, `:TN` or `:TT` suffix.
  init?(parsing text: Substring) {
    let parts = text.split(separator: ":")
    let sizes = parts[0].split(separator: "x").compactMap { Int($0) }
    guard sizes.count == 3, sizes.allSatisfy({ $0 > 0 }) else { return nil }
    (m, n, k) = (sizes[0], sizes[1], sizes[2])
    if parts.count > 1 {
      guard parts[1].count == 2 else { return nil }
      transposeA = parts[1].first == "T"
      transposeB = parts[1].last == "T"
    }
  }

  init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
    (self.m, self.n, self.k, self.transposeA, self.transposeB) = (m, n, k, transposeA, transposeB)
  }
}

struct Options {
  var sizes = [256, 512, 1024]
  var threads = [1, 2]
  var rounds = 3
  var numpy = true
  /// Dense layers of a small MLP at batch 64 with their two backward products, a
  /// LeNet convolution as im2col GEMM, and batch-1 inference.
  var shapes = [
    "64x128x784", "784x128x64:TN", "64x784x128:NT", "64x10x128", "576x16x150", "1x1000x1000",
  ].compactMap { Case(parsing: $0[...]) }

  init(_ arguments: [String]) {
    var rest = arguments.dropFirst()
    while let argument = rest.popFirst() {
      switch argument {
      case "--sizes": sizes = (rest.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
      case "--threads": threads = (rest.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
      case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
      case "--shapes": shapes = (rest.popFirst() ?? "").split(separator: ",").compactMap { Case(parsing: $0) }
      case "--no-numpy": numpy = false
      default:
        print(
          "usage: GEMMBench [--sizes 256,512,1024] [--threads 1,2] [--rounds 3] "
            + "[--shapes MxNxK[:TN],...] [--no-numpy]")
        exit(2)
      }
    }
  }
}

/// Seconds for one call of `body`: the best of `trials` batches of ~0.05 s.
func secondsPerCall(trials: Int = 7, _ body: () -> Void) -> Double {
  body()
  var calls = 1
  var elapsed = 0.0
  while true {
    elapsed = time(calls, body)
    if elapsed > 0.01 { break }
    calls *= 4
  }
  calls = max(1, Int(Double(calls) * 0.05 / elapsed))
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
  let a = randomMatrix(test.m * test.k, seed: 1)
  let b = randomMatrix(test.k * test.n, seed: 2)
  var c = [Float](repeating: 0, count: test.m * test.n)
  let seconds = a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        secondsPerCall {
          GEMM.sgemm(
            transposeA: test.transposeA, transposeB: test.transposeB, m: test.m, n: test.n, k: test.k,
            a: a.baseAddress!, lda: test.transposeA ? test.m : test.k,
            b: b.baseAddress!, ldb: test.transposeB ? test.k : test.n,
            c: c.baseAddress!, ldc: test.n, pool: pool)
        }
      }
    }
  }
  return test.flops / seconds * 1e-9
}

/// The numpy side, `reference.py` beside this file (found from the source tree,
/// where the benchmark runs).
let referenceScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("reference.py").path

/// numpy's GFLOP/s for each case and the OpenBLAS kernel it used; empty results
/// (with the reason as the kernel) when python3 or numpy cannot run.
func numpyGFLOPs(_ cases: [Case]) -> (results: [Case: Double], kernel: String) {
  var results: [Case: Double] = [:]
  var kernel = "?"
  for threads in Set(cases.map(\.threads)).sorted() {
    let products = cases.filter { $0.threads == threads }.map {
      "\($0.m),\($0.n),\($0.k),\($0.transposeA ? 1 : 0),\($0.transposeB ? 1 : 0)"
    }
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    environment["OPENBLAS_NUM_THREADS"] = String(threads)
    environment["OMP_NUM_THREADS"] = String(threads)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", referenceScript] + products
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
      } else if words.first == "result", words.count == 7 {
        let numbers = words.dropFirst().compactMap { Double($0) }
        guard numbers.count == 6 else { continue }
        var test = Case(
          m: Int(numbers[0]), n: Int(numbers[1]), k: Int(numbers[2]),
          transposeA: numbers[3] == 1, transposeB: numbers[4] == 1)
        test.threads = threads
        results[test] = numbers[5]
      }
    }
    if process.terminationStatus != 0 { kernel = "numpy failed (python3 exit \(process.terminationStatus))" }
  }
  return (results, kernel)
}

/// Round-trip cost of an empty `parallelFor` with one task per thread, workers awake.
func dispatchMicroseconds(_ pool: ComputePool) -> Double {
  let tasks = pool.threadCount
  return secondsPerCall { pool.parallelFor(tasks) { _ in } } * 1e6
}

let options = Options(CommandLine.arguments)
let transposeSize = options.sizes.contains(512) ? 512 : options.sizes.first
var squares = options.sizes.map { Case(m: $0, n: $0, k: $0) }
if let n = transposeSize {
  squares += [Case(m: n, n: n, k: n, transposeB: true), Case(m: n, n: n, k: n, transposeA: true)]
}
var cases: [Case] = []
for threads in options.threads {
  for var test in squares + options.shapes {
    test.threads = threads
    cases.append(test)
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

func printTable(_ title: String, _ rows: [Case], ours: [Case: Double], numpy: [Case: Double]) {
  guard !rows.isEmpty else { return }
  print("\n\(title)")
  print("| M x N x K | threads | NetSpecKernels | numpy | ours/numpy |")
  print("|---|--:|--:|--:|--:|")
  for test in rows {
    let mine = ours[test]!
    let theirs = numpy[test]
    print(
      "| \(test.label) | \(test.threads) | \(String(format: "%.1f", mine)) | "
        + "\(theirs.map { String(format: "%.1f", $0) } ?? "-") | "
        + "\(theirs.map { String(format: "%.0f%%", 100 * mine / $0) } ?? "-") |")
  }
}

print("SGEMM GFLOP/s, C = op(A) * op(B); best of \(options.rounds) rounds x 7 batches")
print("numpy kernel: \(kernel)")
let shapeSet = Set(
  options.shapes.map { Case(m: $0.m, n: $0.n, k: $0.k, transposeA: $0.transposeA, transposeB: $0.transposeB) })
func isShape(_ test: Case) -> Bool {
  shapeSet.contains(Case(m: test.m, n: test.n, k: test.k, transposeA: test.transposeA, transposeB: test.transposeB))
}
printTable("Square matrices", cases.filter { !isShape($0) }, ours: ours, numpy: numpy)
printTable("Layer shapes", cases.filter(isShape), ours: ours, numpy: numpy)
print("")
for threads in options.threads where threads > 1 {
  print(
    String(
      format: "ComputePool dispatch, %d threads, empty tasks: %.2f us", threads,
      dispatchMicroseconds(pools[threads]!)))
}
