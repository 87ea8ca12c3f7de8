/// A fully connected layer on `rows` rows: `y = f(x Wᵀ + b)` with `x` `[rows, features]`,
/// the weight `W` `[units, features]` (PyTorch's layout) and the bias `[units]`.
public enum DenseKernels {
  /// One GEMM with the bias (and a ReLU) fused as its epilogue, into
  /// `preActivation` when given (an activation whose derivative needs its
  /// input), else into `y`; then any other activation into `y`.
  @inline(__always)
  public static func forward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, features: Int, units: Int,
    activation: ActivationKernel?, pool: ComputePool
  ) {
    let fusedReLU = activation == .relu
    let z = preActivation ?? y
    GEMM.sgemm(
      transposeB: true, m: rows, n: units, k: features, a: x, lda: features, b: weight, ldb: features, c: z,
      ldc: units,
      epilogue: GEMMEpilogue(bias: bias.map { .perColumn($0) } ?? .none, activation: fusedReLU ? .relu : .identity),
      pool: pool)
    if let activation, !fusedReLU { activation.forward(z, y, count: rows * units, pool: pool) }
  }

  /// `dZ = dY * f'(Z)` in `workspace` (`rows * units` floats), reading
  /// `preActivation` or the output `y` as ``ActivationKernel/needsInput`` says (with no
  /// activation, or one whose mask the consumer already applied, `dZ = dY`),
  /// then `dx = dZ W` (through the producer's ReLU mask `reluMask`, its output,
  /// when given; it zeroes whole elements of `dx`, so it is only given for a
  /// written one), `dWeight = dZᵀ x` and `dBias` = the column sums of `dZ`. A nil
  /// gradient is skipped; each is added into when its `accumulate` flag is set.
  @inline(__always)
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    y: UnsafePointer<Float>?, preActivation: UnsafePointer<Float>?, dy: UnsafePointer<Float>,
    reluMask: UnsafePointer<Float>?, rows: Int, features: Int, units: Int, activation: ActivationKernel?,
    accumulateInput: Bool, accumulateWeight: Bool, accumulateBias: Bool, pool: ComputePool
  ) {
    var dz = dy
    if let activation {
      activation.backward(
        input: preActivation, output: y, dy, workspace!, count: rows * units, accumulate: false, pool: pool)
      dz = UnsafePointer(workspace!)
    }
    if let dx {
      let mask = reluMask.map { GEMMEpilogue(bias: .none, activation: .reluGradient(input: $0, ld: features)) }
      GEMM.sgemm(
        m: rows, n: features, k: units, a: dz, lda: units, b: weight, ldb: features, beta: accumulateInput ? 1 : 0,
        c: dx, ldc: features, epilogue: mask ?? .none, pool: pool)
    }
    if let dWeight {
      GEMM.sgemm(
        transposeA: true, m: units, n: features, k: rows, a: dz, lda: units, b: x, ldb: features,
        beta: accumulateWeight ? 1 : 0, c: dWeight, ldc: features, pool: pool)
    }
    if let dBias {
      BiasGradient.columnSums(dz, rows: rows, columns: units, into: dBias, accumulate: accumulateBias, pool: pool)
    }
  }
}
