/// Where the matrices of a batched GEMM start: in a batch of `outer x inner`
/// products, the matrix of product `(i, j)` begins `i * outer + j * inner`
/// floats after the first one.
///
/// Two levels cover per-sample, per-head products in place: the heads of a
/// `[N, T, D]` activation split into `H` column blocks of `D / H` are matrices
/// at stride `(T * D, D / H)` with a leading dimension of `D`.
public struct GEMMBatchStride: Sendable {
  /// Floats between the matrices of consecutive outer indices.
  public var outer: Int
  /// Floats between the matrices of consecutive inner indices.
  public var inner: Int

  public init(outer: Int, inner: Int) {
    self.outer = outer
    self.inner = inner
  }

  /// Offset of product `product` (numbered row-major over `outer x count`).
  @inline(__always)
  func offset(_ product: Int, inner count: Int) -> Int {
    (product / count) * outer + (product % count) * inner
  }
}

extension GEMM {
  /// Many independent products of one shape: for every `(i, j)` in
  /// `0..<outer x 0..<inner`, `C_ij = alpha * op(A_ij) * op(B_ij) + beta * C_ij`,
  /// with each matrix located by its ``GEMMBatchStride``.
  ///
  /// Each product runs whole on one thread, and the products are spread over the
  /// pool: the right split for many small products (attention scores per sample
  /// and head) that ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:epilogue:pool:)``
  /// would each run on one thread. The C matrices must not overlap each other or
  /// any A or B; other arguments are as in `sgemm`.
  public static func sgemmBatched(
    outer: Int, inner: Int,
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, strideA: GEMMBatchStride,
    b: UnsafePointer<Float>, ldb: Int, strideB: GEMMBatchStride,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, strideC: GEMMBatchStride,
    pool: ComputePool = .shared
  ) {
    precondition(outer >= 0 && inner >= 0, "batch sizes must not be negative")
    precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(lda >= max(1, transposeA ? m : k), "lda is smaller than a row of A")
    precondition(ldb >= max(1, transposeB ? k : n), "ldb is smaller than a row of B")
    precondition(ldc >= max(1, n), "ldc is smaller than a row of C")
    let count = outer * inner
    if count == 0 || m == 0 || n == 0 { return }
    let tasks = count * m * n * k < WorkSplit.minimumParallelWork ? 1 : min(pool.threadCount, count)
    let first = GEMMOperands(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
      ldb: ldb, beta: beta, c: c, ldc: ldc, epilogue: .none)
    pool.parallelFor(tasks) { task in
      for product in (count * task / tasks)..<(count * (task + 1) / tasks) {
        var operands = first
        operands.a += strideA.offset(product, inner: inner)
        operands.b += strideB.offset(product, inner: inner)
        operands.c += strideC.offset(product, inner: inner)
        if k == 0 || alpha == 0 {
          operands.scaleC()
        } else if m == 1 {
          operands.computeSingleRow(columns: 0..<n, workspace: pool.workspaces[task])
        } else {
          operands.compute(rows: 0..<m, columns: 0..<n, workspace: pool.workspaces[task])
        }
      }
    }
  }
}
