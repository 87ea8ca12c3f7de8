/// Single-precision general matrix multiplication on row-major matrices.
public enum GEMM {
  /// `C = alpha * op(A) * op(B) + beta * C`, then the epilogue, on row-major
  /// matrices, where `op(X)` is `X` or its transpose.
  ///
  /// - Parameters:
  ///   - transposeA: `op(A) = Aᵀ`: `a` holds a `k x m` matrix; otherwise `m x k`.
  ///   - transposeB: `op(B) = Bᵀ`: `b` holds an `n x k` matrix; otherwise `k x n`.
  ///   - m: Rows of op(A) and C.
  ///   - n: Columns of op(B) and C.
  ///   - k: Columns of op(A), rows of op(B).
  ///   - alpha: Scales the product.
  ///   - a: A's first element.
  ///   - lda: Floats between consecutive rows of A as stored (at least its width).
  ///   - b: B's first element.
  ///   - ldb: Floats between consecutive rows of B as stored (at least its width).
  ///   - beta: Scales C's old value; with `beta == 0`, C is not read, so it may hold
  ///     garbage (NaN, uninitialized memory).
  ///   - c: C's first element, `m x n`; must not overlap A or B.
  ///   - ldc: Floats between consecutive rows of C (at least `n`).
  ///   - epilogue: Bias and activation applied to each finished tile of C.
  ///   - pool: The threads to use; a large enough product is split across all of
  ///     them, a small one runs on the calling thread.
  ///
  /// Backward passes use the transposes: for `Y = X * W`, `dX = dY * Wᵀ` is
  /// `transposeB: true` and `dW = Xᵀ * dY` is `transposeA: true`.
  public static func sgemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    epilogue: GEMMEpilogue = .none,
    pool: ComputePool = .shared
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(lda >= max(1, transposeA ? m : k), "lda is smaller than a row of A")
    precondition(ldb >= max(1, transposeB ? k : n), "ldb is smaller than a row of B")
    precondition(ldc >= max(1, n), "ldc is smaller than a row of C")
    if m == 0 || n == 0 { return }
    let operands = GEMMOperands(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, epilogue: epilogue)
    if k == 0 || alpha == 0 {
      operands.scaleC()
      return
    }
    let split = WorkSplit(m: m, n: n, k: k, threads: pool.threadCount)
    guard split.tasks > 1 else { return operands.compute(split, pool: pool) }
    // Two threads must never be slower than one: each shape learns which path wins.
    let shape = KernelShape(kernel: KernelShape.gemm, m, n, k, (transposeA ? 2 : 0) + (transposeB ? 1 : 0))
    pool.choosingThreads(shape) { parallel in
      operands.compute(parallel ? split : WorkSplit(m: m, n: n, k: k, threads: 1), pool: pool)
    }
  }
}

extension GEMMOperands {
  /// The whole product, one rectangle of C per task of `split`.
  func compute(_ split: WorkSplit, pool: ComputePool) {
    pool.parallelFor(split.tasks) { task in
      if m == 1 {
        computeSingleRow(columns: split.columns(task), workspace: pool.workspaces[task])
      } else {
        compute(rows: split.rows(task), columns: split.columns(task), workspace: pool.workspaces[task])
      }
    }
  }

  /// `C = beta * C` and the epilogue: the whole GEMM when the product term vanishes.
  func scaleC() {
    for i in 0..<m {
      let row = c + i * ldc
      for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
    }
    epilogue.apply(to: c, ldc: ldc, rows: 0..<m, columns: 0..<n)
  }
}

/// How one GEMM is cut into one rectangle of C per thread: along N in whole
/// micro-panels or along M in whole micro-tiles, whichever leaves the busiest thread
/// the least work. Each thread packs the whole of the operand that is not cut, so
/// the estimate counts packing as well as (padded) multiply-adds.
struct WorkSplit: Sendable {
  private let m: Int
  private let n: Int
  private let alongColumns: Bool
  let tasks: Int

  /// Products below this many multiply-adds run on one thread: dispatch and the
  /// duplicated packing would cost more than the second core saves.
  static let minimumParallelWork = 1 << 17
  /// One-row products (batch 1) below this many multiply-adds run on one thread:
  /// they stream B once at memory speed (a 784 x 256 layer in a few µs), so the
  /// dispatch and the worker's wake-up are a large share of what a split could
  /// save, and the calibration, which times the product alone, does not see what
  /// they cost the rest of a batch-1 pass.
  static let minimumSingleRowParallelWork = 1 << 20
  /// The cost of packing one element, in multiply-adds.
  private static let packingCost = 16

  init(m: Int, n: Int, k: Int, threads: Int) {
    self.m = m
    self.n = n
    let columnPanels = (n + WideRow.width - 1) / WideRow.width
    let rowPanels = (m + microKernelRows - 1) / microKernelRows
    let minimum = m == 1 ? Self.minimumSingleRowParallelWork : Self.minimumParallelWork
    let parallel = m * n * k >= minimum ? threads : 1
    let columnTasks = min(parallel, columnPanels)
    let rowTasks = min(parallel, rowPanels)
    // The busiest thread's work for each way of cutting.
    let columnCost =
      ((columnPanels + columnTasks - 1) / columnTasks * WideRow.width) * (rowPanels * microKernelRows) * k
      + Self.packingCost * (m + n / columnTasks) * k
    let rowCost =
      ((rowPanels + rowTasks - 1) / rowTasks * microKernelRows) * (columnPanels * WideRow.width) * k
      + Self.packingCost * (m / rowTasks + n) * k
    alongColumns = columnCost <= rowCost
    tasks = alongColumns ? columnTasks : rowTasks
  }

  func rows(_ task: Int) -> Range<Int> {
    alongColumns ? 0..<m : Self.share(task, of: m, granule: microKernelRows, tasks: tasks)
  }

  func columns(_ task: Int) -> Range<Int> {
    alongColumns ? Self.share(task, of: n, granule: WideRow.width, tasks: tasks) : 0..<n
  }

  /// Task `task`'s part of `0..<count`, cut on multiples of `granule`.
  private static func share(_ task: Int, of count: Int, granule: Int, tasks: Int) -> Range<Int> {
    let granules = (count + granule - 1) / granule
    let start = min(count, (granules * task / tasks) * granule)
    let end = min(count, (granules * (task + 1) / tasks) * granule)
    return start..<end
  }
}
