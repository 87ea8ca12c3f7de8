/// One row of a micro-kernel's C tile, held in registers.
///
/// ``WideRow`` (two vectors) is the workhorse; ``NarrowRow`` (one vector) serves the
/// last panel of a matrix whose width leaves half a panel or less, so narrow outputs
/// do not pay for a full-width tile.
protocol MicroKernelRow {
  /// The packed-B values for one `k`: `width` floats.
  associatedtype Panel
  /// Columns of C covered by the row.
  static var width: Int { get }
  init()
  static func loadPanel(_ b: UnsafePointer<Float>) -> Panel
  /// `self += a * panel`.
  mutating func accumulate(_ a: Float, _ panel: Panel)
  /// `c = alpha * self + beta * c`; `c` is not read when `beta == 0`.
  func store(to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float)
}

struct WideRow: MicroKernelRow {
  private var low = KernelVector()
  private var high = KernelVector()

  static var width: Int { 2 * KernelVector.scalarCount }

  @inline(__always)
  static func loadPanel(_ b: UnsafePointer<Float>) -> (KernelVector, KernelVector) {
    (loadVector(b), loadVector(b + KernelVector.scalarCount))
  }

  @inline(__always)
  mutating func accumulate(_ a: Float, _ panel: (KernelVector, KernelVector)) {
    let a = KernelVector(repeating: a)
    low = multiplyAdd(low, a, panel.0)
    high = multiplyAdd(high, a, panel.1)
  }

  @inline(__always)
  func store(to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float) {
    storeVector(low, to: c, alpha: alpha, beta: beta)
    storeVector(high, to: c + KernelVector.scalarCount, alpha: alpha, beta: beta)
  }
}

struct NarrowRow: MicroKernelRow {
  private var value = KernelVector()

  static var width: Int { KernelVector.scalarCount }

  @inline(__always)
  static func loadPanel(_ b: UnsafePointer<Float>) -> KernelVector { loadVector(b) }

  @inline(__always)
  mutating func accumulate(_ a: Float, _ panel: KernelVector) {
    value = multiplyAdd(value, KernelVector(repeating: a), panel)
  }

  @inline(__always)
  func store(to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float) {
    storeVector(value, to: c, alpha: alpha, beta: beta)
  }
}

@inline(__always)
func loadVector(_ pointer: UnsafePointer<Float>) -> KernelVector {
  UnsafeRawPointer(pointer).loadUnaligned(as: KernelVector.self)
}

@inline(__always)
func storeVector(_ value: KernelVector, to pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: KernelVector.self)
}

@inline(__always)
private func storeVector(
  _ accumulator: KernelVector, to c: UnsafeMutablePointer<Float>, alpha: KernelVector, beta: Float
) {
  if beta == 0 {
    storeVector(alpha * accumulator, to: c)
  } else {
    storeVector(multiplyAdd(KernelVector(repeating: beta) * loadVector(c), alpha, accumulator), to: c)
  }
}

/// How a packed A micro-panel is laid out: `op(A)[top + r, k]` sits at
/// `r * rowStride + k * depthStride`. Both strides are compile-time constants, so the
/// micro-kernel reaches every row from one pointer with fixed offsets.
protocol PackedALayout {
  static var rowStride: Int { get }
  static var depthStride: Int { get }
}

/// Rows of the panel are runs of `k`: packing plain `A` copies row segments.
enum RowMajorPanel: PackedALayout {
  /// The extra cache line keeps the rows of a panel out of each other's cache sets.
  static var rowStride: Int { GEMMBlocking.depth + 16 }
  static var depthStride: Int { 1 }
}

/// Each `k` holds the panel's rows side by side: packing `Aᵀ` copies row segments.
enum DepthMajorPanel: PackedALayout {
  static var rowStride: Int { 1 }
  static var depthStride: Int { microKernelRows }
}

/// Floats reserved for one packed A micro-panel, in either layout.
let packedAPanelSize = microKernelRows * RowMajorPanel.rowStride

/// The register-blocked GEMM micro-kernel:
/// `C[0..<microKernelRows, 0..<Row.width] = alpha * Ap * Bp + beta * C`.
///
/// - `a`: a packed A micro-panel laid out as `Layout` says.
/// - `b`: a packed B micro-panel; `k` holds `Row.width` floats at `b + k * Row.width`.
/// - `c`: the top-left element of the tile, rows `ldc` floats apart.
///
/// Each `k` step loads one B panel and broadcasts one A value per row into
/// `microKernelRows` rows of accumulators (6 or 12; rows past it compile away).
@inline(__always)
func microKernel<Row: MicroKernelRow, Layout: PackedALayout>(
  _: Row.Type, _: Layout.Type, depth: Int,
  a: UnsafePointer<Float>, b: UnsafePointer<Float>,
  c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
) {
  let stride = Layout.rowStride
  var c0 = Row(), c1 = Row(), c2 = Row(), c3 = Row(), c4 = Row(), c5 = Row()
  var c6 = Row(), c7 = Row(), c8 = Row(), c9 = Row(), c10 = Row(), c11 = Row()
  var a = a
  var b = b
  for _ in 0..<depth {
    let panel = Row.loadPanel(b)
    c0.accumulate(a[0], panel)
    c1.accumulate(a[stride], panel)
    c2.accumulate(a[2 * stride], panel)
    c3.accumulate(a[3 * stride], panel)
    c4.accumulate(a[4 * stride], panel)
    c5.accumulate(a[5 * stride], panel)
    if microKernelRows > 6 {
      c6.accumulate(a[6 * stride], panel)
      c7.accumulate(a[7 * stride], panel)
      c8.accumulate(a[8 * stride], panel)
      c9.accumulate(a[9 * stride], panel)
      c10.accumulate(a[10 * stride], panel)
      c11.accumulate(a[11 * stride], panel)
    }
    a += Layout.depthStride
    b += Row.width
  }
  let alpha = KernelVector(repeating: alpha)
  c0.store(to: c, alpha: alpha, beta: beta)
  c1.store(to: c + ldc, alpha: alpha, beta: beta)
  c2.store(to: c + 2 * ldc, alpha: alpha, beta: beta)
  c3.store(to: c + 3 * ldc, alpha: alpha, beta: beta)
  c4.store(to: c + 4 * ldc, alpha: alpha, beta: beta)
  c5.store(to: c + 5 * ldc, alpha: alpha, beta: beta)
  if microKernelRows > 6 {
    c6.store(to: c + 6 * ldc, alpha: alpha, beta: beta)
    c7.store(to: c + 7 * ldc, alpha: alpha, beta: beta)
    c8.store(to: c + 8 * ldc, alpha: alpha, beta: beta)
    c9.store(to: c + 9 * ldc, alpha: alpha, beta: beta)
    c10.store(to: c + 10 * ldc, alpha: alpha, beta: beta)
    c11.store(to: c + 11 * ldc, alpha: alpha, beta: beta)
  }
}
