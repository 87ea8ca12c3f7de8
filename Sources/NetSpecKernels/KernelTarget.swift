// Compile-time choices that depend on the instruction set the module is built for.
//
// Swift cannot test CPU features in `#if`, so the build passes them as defines next
// to the matching `-target-cpu` (Package.swift does it; see docs/PERFORMANCE.md):
//
// - `NETSPEC_AVX512`: AVX-512 with FMA, 32 x 512-bit registers (`-target-cpu native`
//   on such a CPU, or `skylake-avx512`; Skylake-X, Ice Lake, Sapphire Rapids, Zen 4).
// - `NETSPEC_FMA`: AVX2 with FMA, 16 x 256-bit registers (`native`, or `haswell`).
// - neither: the x86-64 baseline (SSE2: no FMA, 16 x 128-bit registers), or arm64,
//   which always has FMA and 32 x 128-bit registers.
//
// A define without its `-target-cpu` still computes correctly but slowly (FMA turns
// into libm calls); `-target-cpu` without its define computes with the baseline's
// narrow vectors and separate multiplies and adds.

#if NETSPEC_AVX512
  /// The SIMD vector the kernels compute with: one register (two on arm64's NEON).
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
