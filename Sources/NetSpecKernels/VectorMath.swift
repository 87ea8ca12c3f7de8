/// `exp`, the logistic sigmoid and `tanh` over arrays, a whole SIMD vector at a
/// time: for the gates of recurrent cells and for attention's softmax, where one
/// libm call per element would cost more than the GEMMs around them.
///
/// The polynomials are Cephes' single-precision `expf` and `tanhf` (S. Moshier).
/// Measured against double precision over all float inputs: `exp` within 1 ulp
/// (8.3e-8 relative), `tanh` within 2.8e-7 relative (1.8e-7 absolute), sigmoid
/// within 1.5e-7 relative. Results are clamped where float32 runs out (`exp`
/// saturates at about 2^127 and 2^-126); NaN stays NaN. `x` and `y` may be the same
/// buffer.
public enum VectorMath {
  /// `y[i] = e^x[i]`.
  ///
  /// `exp`, `sigmoid` and `tanh` spell their loops out rather than call
  /// ``map(_:_:count:_:)`` with a function reference: measured in an AVX-512
  /// build, `map` took LeNet-5's emitted inference from 45k to 35k samples/s.
  public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(exponential(loadVector(x + i)), to: y + i)
    }
    if whole < count { storeTail(exponential(loadTail(x + whole, count - whole)), y + whole, count - whole) }
  }

  /// `y[i] = 1 / (1 + e^-x[i])`.
  public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(logistic(loadVector(x + i)), to: y + i)
    }
    if whole < count { storeTail(logistic(loadTail(x + whole, count - whole)), y + whole, count - whole) }
  }

  /// `y[i] = tanh(x[i])`.
  public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(hyperbolicTangent(loadVector(x + i)), to: y + i)
    }
    if whole < count {
      storeTail(hyperbolicTangent(loadTail(x + whole, count - whole)), y + whole, count - whole)
    }
  }

  /// `y[i] = f(x[i])`, a whole vector at a time (the last one zero-padded), for
  /// element-wise functions built from the ones below (``ActivationKernel``).
  @inline(__always)
  static func map(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, _ f: (KernelVector) -> KernelVector
  ) {
    let whole = count - count % KernelVector.scalarCount
    for i in stride(from: 0, to: whole, by: KernelVector.scalarCount) {
      storeVector(f(loadVector(x + i)), to: y + i)
    }
    if whole < count { storeTail(f(loadTail(x + whole, count - whole)), y + whole, count - whole) }
  }

  /// The first `count` lanes from `x`, the rest zero.
  @inline(__always)
  private static func loadTail(_ x: UnsafePointer<Float>, _ count: Int) -> KernelVector {
    var v = KernelVector()
    for lane in 0..<count { v[lane] = x[lane] }
    return v
  }

  /// Stores the first `count` lanes of `v`.
  @inline(__always)
  private static func storeTail(_ v: KernelVector, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    for lane in 0..<count { y[lane] = v[lane] }
  }

  /// `1 / (1 + e^-x)`.
  @inline(__always)
  static func logistic(_ x: KernelVector) -> KernelVector { 1 / (1 + exponential(-x)) }

  /// An odd polynomial for |x| < 0.625 (Cephes `tanhf`), else `1 - 2 / (1 + e^2x)`.
  @inline(__always)
  private static func hyperbolicTangent(_ x: KernelVector) -> KernelVector {
    let large = 1 - 2 / (1 + exponential(2 * x))
    let z = x * x
    var p = KernelVector(repeating: -5.704_988_727_45e-3)
    p = p * z + 2.063_908_879_54e-2
    p = p * z - 5.373_971_555_31e-2
    p = p * z + 1.333_144_220_36e-1
    p = p * z - 3.333_328_194_22e-1
    let small = p * z * x + x
    return large.replacing(with: small, where: z .< 0.390_625)
  }

  /// Cephes `expf`: `e^x = 2^n * e^r` with `n = round(x / ln 2)` and `|r| <= ln 2 / 2`,
  /// `e^r` by a degree-6 polynomial, `2^n` built in the exponent bits.
  @inline(__always)
  static func exponential(_ x: KernelVector) -> KernelVector {
    var clamped = x
    clamped.replace(with: -87.3, where: clamped .< -87.3)
    clamped.replace(with: 88.3, where: clamped .> 88.3)
    // Adding 1.5 * 2^23 rounds x / ln 2 to an integer n held in the low mantissa bits.
    let magic = KernelVector(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    // r = x - n ln 2, with ln 2 split in two so n * 0.693359375 is exact.
    var r = clamped - n * 0.693_359_375
    r = r - n * -2.121_944_40e-4
    var p = KernelVector(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    // n is the difference of the bit patterns; 2^n has exponent field n + 127.
    typealias Bits = KernelVector.MaskStorage
    let exponent = unsafeBitCast(shifted, to: Bits.self) &- unsafeBitCast(magic, to: Bits.self) &+ 127
    let scale = unsafeBitCast(exponent &<< 23, to: KernelVector.self)
    return (p * scale).replacing(with: x, where: x .!= x)
  }
}
