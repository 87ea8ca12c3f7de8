/// Batched matrix products `Y_p = A_p B_p` of `products` independent pairs, each
/// `A_p` `[m, k]`, `B_p` `[k, n]` and `Y_p` `[m, n]`, stored one after another
/// (the `matmul` op: `torch.matmul` over equal leading axes).
public enum MatMulKernels {
  /// `Y_p = A_p B_p` for every `p < products`.
  public static func forward(
    y: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, products: Int, m: Int,
    k: Int, n: Int, pool: ComputePool = .shared
  ) {
    GEMM.sgemmBatched(
      outer: products, inner: 1, m: m, n: n, k: k,
      a: a, lda: k, strideA: GEMMBatchStride(outer: m * k, inner: 0),
      b: b, ldb: n, strideB: GEMMBatchStride(outer: k * n, inner: 0),
      c: y, ldc: n, strideC: GEMMBatchStride(outer: m * n, inner: 0), pool: pool)
  }

  /// `dA_p = dY_p B_p^T` and `dB_p = A_p^T dY_p`, each skipped when its buffer
  /// is nil and added into it when its `accumulate` flag is set.
  public static func backward(
    da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, products: Int, m: Int, k: Int, n: Int, accumulateA: Bool,
    accumulateB: Bool, pool: ComputePool = .shared
  ) {
    if let da {
      GEMM.sgemmBatched(
        outer: products, inner: 1, transposeB: true, m: m, n: k, k: n,
        a: dy, lda: n, strideA: GEMMBatchStride(outer: m * n, inner: 0),
        b: b, ldb: n, strideB: GEMMBatchStride(outer: k * n, inner: 0), beta: accumulateA ? 1 : 0,
        c: da, ldc: k, strideC: GEMMBatchStride(outer: m * k, inner: 0), pool: pool)
    }
    if let db {
      GEMM.sgemmBatched(
        outer: products, inner: 1, transposeA: true, m: k, n: n, k: m,
        a: a, lda: k, strideA: GEMMBatchStride(outer: m * k, inner: 0),
        b: dy, ldb: n, strideB: GEMMBatchStride(outer: m * n, inner: 0), beta: accumulateB ? 1 : 0,
        c: db, ldc: n, strideC: GEMMBatchStride(outer: k * n, inner: 0), pool: pool)
    }
  }
}
