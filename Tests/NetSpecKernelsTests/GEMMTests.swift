import NetSpecKernels
import Testing

/// A row-major matrix with `ld >= columns` floats per stored row, filled with
/// deterministic pseudo-random values; padding holds NaN so reading it shows up.
struct Matrix {
  let rows: Int
  let columns: Int
  let ld: Int
  var storage: [Float]

  init(rows: Int, columns: Int, padding: Int = 0, seed: UInt64) {
    self.rows = rows
    self.columns = columns
    let ld = max(1, columns + padding)
    self.ld = ld
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    storage = (0..<(max(1, rows * ld))).map { index in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return index % ld < columns ? Float(Int(state >> 41) % 2001 - 1000) / 500 : .nan
    }
  }

  subscript(i: Int, j: Int) -> Float {
    get { storage[i * ld + j] }
    set { storage[i * ld + j] = newValue }
  }
}

/// The shape and options of one GEMM call under test.
struct Problem: CustomTestStringConvertible, Sendable {
  var m: Int
  var n: Int
  var k: Int
  var transposeA = false
  var transposeB = false
  var alpha: Float = 1
  var beta: Float = 0
  var padding = 0

  var testDescription: String {
    "\(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") alpha=\(alpha) beta=\(beta) pad=\(padding)"
  }
}

/// The epilogues under test, as data so they can be test arguments.
enum EpilogueCase: CaseIterable, Sendable {
  case none, columnBias, rowBias, relu, columnBiasReLU, reluGradient
}

let singleThread = ComputePool(threadCount: 1)
let twoThreads = ComputePool(threadCount: 2)

/// Runs `GEMM.sgemm` on `problem` and compares it with a triple loop in Double.
func check(_ problem: Problem, epilogue epilogueCase: EpilogueCase = .none, pool: ComputePool) {
  let p = problem
  let a = Matrix(
    rows: p.transposeA ? p.k : p.m, columns: p.transposeA ? p.m : p.k, padding: p.padding, seed: 1)
  let b = Matrix(
    rows: p.transposeB ? p.n : p.k, columns: p.transposeB ? p.k : p.n, padding: p.padding, seed: 2)
  var c = Matrix(rows: p.m, columns: p.n, padding: p.padding, seed: 3)
  if p.beta == 0 {
    for i in 0..<p.m { for j in 0..<p.n { c[i, j] = .nan } }
  }
  let columnBias = Matrix(rows: 1, columns: p.n, seed: 4).storage
  let rowBias = Matrix(rows: 1, columns: p.m, seed: 5).storage
  let mask = Matrix(rows: p.m, columns: p.n, padding: 1, seed: 6)

  var expected = c
  for i in 0..<p.m {
    for j in 0..<p.n {
      var sum = 0.0
      for l in 0..<p.k {
        let x = p.transposeA ? a[l, i] : a[i, l]
        let y = p.transposeB ? b[j, l] : b[l, j]
        sum += Double(x) * Double(y)
      }
      var value = Double(p.alpha) * sum + (p.beta == 0 ? 0 : Double(p.beta) * Double(c[i, j]))
      switch epilogueCase {
      case .columnBias, .columnBiasReLU: value += Double(columnBias[j])
      case .rowBias: value += Double(rowBias[i])
      case .none, .relu, .reluGradient: break
      }
      switch epilogueCase {
      case .relu, .columnBiasReLU: value = max(value, 0)
      case .reluGradient: value = mask[i, j] > 0 ? value : 0
      case .none, .columnBias, .rowBias: break
      }
      expected[i, j] = Float(value)
    }
  }

  a.storage.withUnsafeBufferPointer { aBuffer in
    b.storage.withUnsafeBufferPointer { bBuffer in
      columnBias.withUnsafeBufferPointer { columnBias in
        rowBias.withUnsafeBufferPointer { rowBias in
          mask.storage.withUnsafeBufferPointer { maskBuffer in
            let epilogue: GEMMEpilogue
            switch epilogueCase {
            case .none: epilogue = .none
            case .columnBias: epilogue = GEMMEpilogue(bias: .perColumn(columnBias.baseAddress!))
            case .rowBias: epilogue = GEMMEpilogue(bias: .perRow(rowBias.baseAddress!))
            case .relu: epilogue = GEMMEpilogue(activation: .relu)
            case .columnBiasReLU:
              epilogue = GEMMEpilogue(bias: .perColumn(columnBias.baseAddress!), activation: .relu)
            case .reluGradient:
              epilogue = GEMMEpilogue(activation: .reluGradient(input: maskBuffer.baseAddress!, ld: mask.ld))
            }
            c.storage.withUnsafeMutableBufferPointer { cBuffer in
              GEMM.sgemm(
                transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                alpha: p.alpha, a: aBuffer.baseAddress!, lda: a.ld, b: bBuffer.baseAddress!, ldb: b.ld,
                beta: p.beta, c: cBuffer.baseAddress!, ldc: c.ld, epilogue: epilogue, pool: pool)
            }
          }
        }
      }
    }
  }

  // Entries are sums of k products of values in [-2, 2]: allow float rounding of that size.
  let tolerance = 1e-5 * Float(4 * p.k + 4) * max(1, abs(p.alpha)) + 1e-5
  var mismatches = 0
  for i in 0..<p.m {
    for j in 0..<c.ld {
      let actual = c.storage[i * c.ld + j]
      let wanted = expected.storage[i * c.ld + j]
      let ok = j < p.n ? abs(actual - wanted) <= tolerance : actual.isNaN
      if !ok {
        mismatches += 1
        if mismatches <= 3 {
          Issue.record("C[\(i), \(j)] = \(actual), expected \(wanted) for \(p.testDescription) \(epilogueCase)")
        }
      }
    }
  }
  #expect(mismatches == 0)
}

let edgeShapes: [(Int, Int, Int)] = [
  (1, 1, 1), (2, 3, 4), (7, 13, 5), (17, 33, 65), (128, 1, 300), (1, 128, 300), (31, 37, 41),
  (53, 17, 97), (97, 89, 83), (12, 32, 256), (13, 33, 257), (24, 64, 16), (6, 16, 3), (1, 37, 20),
]

let transposes = [(false, false), (false, true), (true, false), (true, true)]

@Test("Shapes x transposes on 1 and 2 threads", arguments: edgeShapes, transposes)
func shapes(shape: (Int, Int, Int), transpose: (Bool, Bool)) {
  let problem = Problem(m: shape.0, n: shape.1, k: shape.2, transposeA: transpose.0, transposeB: transpose.1)
  check(problem, pool: singleThread)
  check(problem, pool: twoThreads)
}

/// Shapes that cross the blocking boundaries (more rows than one packed A block, more
/// columns than one packed B block, depth over one block) while staying cheap.
@Test(
  "Blocking boundaries",
  arguments: [(200, 20, 10), (2, 4100, 3), (30, 50, 520), (193, 4097, 2), (101, 65, 257)], transposes)
func blockingBoundaries(shape: (Int, Int, Int), transpose: (Bool, Bool)) {
  let problem = Problem(m: shape.0, n: shape.1, k: shape.2, transposeA: transpose.0, transposeB: transpose.1)
  check(problem, pool: singleThread)
  check(problem, pool: twoThreads)
}

/// One-row products take their own path (no packing); A may then be a strided column.
@Test("Single-row products", arguments: [(1, 37, 20), (1, 1100, 9), (1, 2000, 70), (1, 5, 300)], transposes)
func singleRow(shape: (Int, Int, Int), transpose: (Bool, Bool)) {
  for (alpha, beta, padding) in [(Float(1), Float(0), 0), (-0.5, 2, 3)] {
    let problem = Problem(
      m: shape.0, n: shape.1, k: shape.2, transposeA: transpose.0, transposeB: transpose.1, alpha: alpha,
      beta: beta, padding: padding)
    check(problem, epilogue: .columnBiasReLU, pool: singleThread)
    check(problem, pool: twoThreads)
  }
}

@Test(
  "alpha, beta and leading dimensions",
  arguments: [(Float(1), Float(0)), (0.5, 0), (1, 1), (-2, 0.25), (0, 0.5), (0, 0)], [0, 3])
func scaling(alphaBeta: (Float, Float), padding: Int) {
  for (m, n, k) in [(7, 13, 5), (29, 70, 300), (64, 64, 64)] {
    for (ta, tb) in transposes {
      let problem = Problem(
        m: m, n: n, k: k, transposeA: ta, transposeB: tb, alpha: alphaBeta.0, beta: alphaBeta.1,
        padding: padding)
      check(problem, pool: singleThread)
      check(problem, pool: twoThreads)
    }
  }
}

@Test("Epilogues", arguments: EpilogueCase.allCases, [(1, 1, 1), (7, 13, 5), (37, 70, 300), (64, 96, 33)])
func epilogues(epilogue: EpilogueCase, shape: (Int, Int, Int)) {
  for beta: Float in [0, 1] {
    let problem = Problem(m: shape.0, n: shape.1, k: shape.2, beta: beta, padding: 2)
    check(problem, epilogue: epilogue, pool: singleThread)
    check(problem, epilogue: epilogue, pool: twoThreads)
  }
}

@Test("Empty products: k = 0 scales C and applies the epilogue; m or n = 0 is a no-op")
func emptyProducts() {
  check(Problem(m: 5, n: 7, k: 0, beta: 0.5), epilogue: .columnBiasReLU, pool: twoThreads)
  check(Problem(m: 5, n: 7, k: 0, beta: 0), pool: twoThreads)
  check(Problem(m: 0, n: 7, k: 3), pool: twoThreads)
  check(Problem(m: 5, n: 0, k: 3), pool: twoThreads)
}

#if !DEBUG
  @Test("Large products (release builds only)", arguments: [(300, 257, 520), (1000, 36, 700), (40, 1100, 900)])
  func largeProducts(shape: (Int, Int, Int)) {
    for (ta, tb) in transposes {
      let problem = Problem(
        m: shape.0, n: shape.1, k: shape.2, transposeA: ta, transposeB: tb, alpha: 0.5, beta: 2, padding: 5)
      check(problem, epilogue: .columnBiasReLU, pool: twoThreads)
    }
  }
#endif
