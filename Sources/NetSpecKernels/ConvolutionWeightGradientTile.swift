/// The register tile of ``ConvolutionWeightGradient``: ``filters`` x ``taps``
/// sums of products, each kept as a vector of partial sums over
/// `KernelVector.scalarCount` output positions (24 accumulators with AVX-512).
/// Per vector of positions it loads one `dZ` vector per filter and one input
/// vector per tap, and runs one FMA per pair; the lanes are summed once, when
/// the tile is stored.
struct WeightGradientTile {
  /// Filters per tile.
  static let filters = 4
  /// Taps per tile.
  static let taps = 6

  private var f0 = (KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector())
  private var f1 = (KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector())
  private var f2 = (KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector())
  private var f3 = (KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector())

  /// Adds `sum over q in 0..<count of dz[r * dzStride + q] * tap_t[q]` to entry
  /// `(r, t)`, where `tap_t = x + tapOffsets.t`; `count` is a multiple of
  /// `KernelVector.scalarCount`.
  @inline(__always)
  mutating func accumulate(
    dz: UnsafePointer<Float>, dzStride: Int, x: UnsafePointer<Float>, tapOffsets o: (Int, Int, Int, Int, Int, Int),
    count: Int
  ) {
    let (d0, d1, d2, d3) = (dz, dz + dzStride, dz + 2 * dzStride, dz + 3 * dzStride)
    let (x0, x1, x2, x3, x4, x5) = (x + o.0, x + o.1, x + o.2, x + o.3, x + o.4, x + o.5)
    var q = 0
    while q < count {
      let (g0, g1, g2, g3) = (loadVector(d0 + q), loadVector(d1 + q), loadVector(d2 + q), loadVector(d3 + q))
      Self.row(&f0, g0, x0 + q, x1 + q, x2 + q, x3 + q, x4 + q, x5 + q)
      Self.row(&f1, g1, x0 + q, x1 + q, x2 + q, x3 + q, x4 + q, x5 + q)
      Self.row(&f2, g2, x0 + q, x1 + q, x2 + q, x3 + q, x4 + q, x5 + q)
      Self.row(&f3, g3, x0 + q, x1 + q, x2 + q, x3 + q, x4 + q, x5 + q)
      q += KernelVector.scalarCount
    }
  }

  /// One filter's six FMAs; the input vectors are loaded here so that LLVM
  /// can fold them into the FMAs as memory operands.
  @inline(__always)
  private static func row(
    _ s: inout (KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector), _ dz: KernelVector,
    _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>,
    _ x4: UnsafePointer<Float>, _ x5: UnsafePointer<Float>
  ) {
    s.0 = multiplyAdd(s.0, dz, loadVector(x0))
    s.1 = multiplyAdd(s.1, dz, loadVector(x1))
    s.2 = multiplyAdd(s.2, dz, loadVector(x2))
    s.3 = multiplyAdd(s.3, dz, loadVector(x3))
    s.4 = multiplyAdd(s.4, dz, loadVector(x4))
    s.5 = multiplyAdd(s.5, dz, loadVector(x5))
  }

  /// Adds the lane sums of the tile to `sums[r * stride + t]`.
  @inline(__always)
  func add(to sums: UnsafeMutablePointer<Float>, stride: Int) {
    Self.add(f0, to: sums)
    Self.add(f1, to: sums + stride)
    Self.add(f2, to: sums + 2 * stride)
    Self.add(f3, to: sums + 3 * stride)
  }

  @inline(__always)
  private static func add(
    _ s: (KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector),
    to row: UnsafeMutablePointer<Float>
  ) {
    row[0] += laneSum(s.0)
    row[1] += laneSum(s.1)
    row[2] += laneSum(s.2)
    row[3] += laneSum(s.3)
    row[4] += laneSum(s.4)
    row[5] += laneSum(s.5)
  }

  /// The sum of `v`'s lanes, never inlined: inlined into the caller (as LLVM
  /// does when the kernels are one module, in emitted code built with
  /// `swiftc -wmo`), the lane reads keep the whole tile in memory, and the hot
  /// loop of ``ConvolutionWeightGradient`` loads and stores its 24
  /// accumulators on every step (2.2x its time in emitted ResNet-20 training;
  /// docs/PERFORMANCE.md, "Emitted ResNet-20"). SwiftPM's build, which gives
  /// each source file its own LLVM module, called it out of line already.
  @inline(never)
  private static func laneSum(_ v: KernelVector) -> Float { v.sum() }
}
