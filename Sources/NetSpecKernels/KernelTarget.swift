// Compile-time choices that depend on the instruction set the module is built for.
//
// Swift cannot test CPU features in `#if`, so the build passes them as defines next
// to the matching `-target-cpu` (see docs/PERFORMANCE.md):
//
// - `NETSPEC_AVX512`: 32 x 512-bit registers and FMA (x86-64-v4, e.g. Skylake-X,
//   Ice Lake, Sapphire Rapids, Zen 4).
// - `NETSPEC_FMA`: FMA with 16 x 256-bit registers (x86-64-v3: Haswell, Zen).
// - neither: the x86-64 baseline (SSE2: no FMA, 16 x 128-bit registers). arm64 always
//   has FMA and 32 x 128-bit registers.

#if NETSPEC_AVX512
  /// The SIMD vector the kernels compute with: one machine register.
  typealias KernelVector = SIMD16<Float>
  /// Rows of C a GEMM micro-kernel keeps in registers (`2 * rows` accumulators).
  let microKernelRows = 12
#elseif NETSPEC_FMA || arch(arm64)
  typealias KernelVector = SIMD8<Float>
  let microKernelRows = 6
#else
  typealias KernelVector = SIMD4<Float>
  let microKernelRows = 6
#endif

/// `accumulator + a * b`, fused into one instruction where the target has FMA.
///
/// Without FMA in the target, `addingProduct` becomes a call to libm's `fmaf` per
/// lane, so the baseline build multiplies and adds separately instead.
@inline(__always)
func multiplyAdd(_ accumulator: KernelVector, _ a: KernelVector, _ b: KernelVector) -> KernelVector {
  #if NETSPEC_AVX512 || NETSPEC_FMA || arch(arm64)
    accumulator.addingProduct(a, b)
  #else
    accumulator + a * b
  #endif
}
