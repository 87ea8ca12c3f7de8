import NetSpecKernels
import Testing

/// `GEMM.sgemmBatched` on per-sample, per-head blocks (attention's layout), against
/// a triple loop in Double, on one thread and on two.
@Suite struct BatchedGEMMTests {
  /// One batched call: `outer` samples of `inner` heads, each head `width` columns
  /// of a `[rows, inner * width]` matrix per sample.
  struct Case: CustomTestStringConvertible, Sendable {
    var outer: Int
    var inner: Int
    var m: Int
    var n: Int
    var k: Int
    var transposeA = false
    var transposeB = false
    var alpha: Float = 1
    var beta: Float = 0

    var testDescription: String {
      "\(outer)x\(inner) of \(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") alpha=\(alpha) beta=\(beta)"
    }
  }

  static let cases = [
    Case(outer: 2, inner: 3, m: 5, n: 7, k: 4, transposeB: true, alpha: 0.5),
    Case(outer: 3, inner: 2, m: 6, n: 4, k: 9),
    Case(outer: 2, inner: 2, m: 7, n: 3, k: 5, transposeA: true, beta: 1),
    Case(outer: 4, inner: 1, m: 1, n: 6, k: 8, transposeB: true),
    Case(outer: 2, inner: 4, m: 40, n: 40, k: 32, transposeB: true),
    Case(outer: 3, inner: 4, m: 40, n: 32, k: 40, transposeA: true, alpha: 2, beta: 1),
  ]

  @Test(arguments: cases, [1, 2])
  func matchesReference(_ c: Case, threads: Int) {
    let pool = threads == 1 ? singleThread : twoThreads
    // Each operand holds, per sample, `inner` side-by-side blocks of its stored shape.
    func operand(rows: Int, columns: Int, seed: UInt64) -> (Matrix, GEMMBatchStride) {
      let matrix = Matrix(rows: c.outer * rows, columns: c.inner * columns, seed: seed)
      return (matrix, GEMMBatchStride(outer: rows * matrix.ld, inner: columns))
    }
    let (a, strideA) = operand(rows: c.transposeA ? c.k : c.m, columns: c.transposeA ? c.m : c.k, seed: 3)
    let (b, strideB) = operand(rows: c.transposeB ? c.n : c.k, columns: c.transposeB ? c.k : c.n, seed: 4)
    var (result, strideC) = operand(rows: c.m, columns: c.n, seed: 5)
    let original = result
    result.storage.withUnsafeMutableBufferPointer { cBuffer in
      GEMM.sgemmBatched(
        outer: c.outer, inner: c.inner, transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n,
        k: c.k, alpha: c.alpha, a: a.storage, lda: a.ld, strideA: strideA, b: b.storage, ldb: b.ld,
        strideB: strideB, beta: c.beta, c: cBuffer.baseAddress!, ldc: original.ld, strideC: strideC, pool: pool)
    }
    for s in 0..<c.outer {
      for h in 0..<c.inner {
        let aRow = s * (c.transposeA ? c.k : c.m)
        let bRow = s * (c.transposeB ? c.n : c.k)
        let aColumn = h * (c.transposeA ? c.m : c.k)
        let bColumn = h * (c.transposeB ? c.k : c.n)
        for i in 0..<c.m {
          for j in 0..<c.n {
            var sum = 0.0
            for l in 0..<c.k {
              let x = c.transposeA ? a[aRow + l, aColumn + i] : a[aRow + i, aColumn + l]
              let y = c.transposeB ? b[bRow + j, bColumn + l] : b[bRow + l, bColumn + j]
              sum += Double(x) * Double(y)
            }
            let (row, column) = (s * c.m + i, h * c.n + j)
            let expected = Double(c.alpha) * sum + Double(c.beta) * Double(original[row, column])
            #expect(abs(Double(result[row, column]) - expected) <= 1e-4 * max(1, abs(expected)))
          }
        }
      }
    }
  }
}
