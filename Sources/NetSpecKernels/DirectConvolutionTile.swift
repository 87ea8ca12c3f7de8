// The register tile of the direct convolution (DirectConvolution.swift): `rows`
// filters times `vectors` position vectors of accumulators, fed by broadcast
// weights and by vectors read straight from the zero-padded input.

#if NETSPEC_AVX512
  /// Half a ``KernelVector``: the part of a two-row position vector that one output row fills.
  typealias HalfKernelVector = SIMD8<Float>
#elseif NETSPEC_FMA || arch(arm64)
  typealias HalfKernelVector = SIMD4<Float>
#else
  typealias HalfKernelVector = SIMD2<Float>
#endif

/// A tile shape of the direct convolution: accumulators for `rows` filters times
/// `vectors` position vectors (24 with AVX-512's 32 registers, 12 with 16).
protocol DirectTile {
  /// Filters per tile (the weights' block size).
  static var rows: Int { get }
  /// Position vectors per tile: from 1 to 4.
  static var vectors: Int { get }
}

/// 12 (6 without AVX-512) filters x 2 position vectors.
enum DirectTileWide: DirectTile {
  static var rows: Int { microKernelRows }
  static var vectors: Int { 2 }
}

/// 8 (4) filters x 3 position vectors: 16, 32 or 64 filters fill it.
enum DirectTileMedium: DirectTile {
  static var rows: Int { microKernelRows * 2 / 3 }
  static var vectors: Int { 3 }
}

/// 6 (3) filters x 4 position vectors: few filters, or few positions per sample.
enum DirectTileNarrow: DirectTile {
  static var rows: Int { microKernelRows / 2 }
  static var vectors: Int { 4 }
}

/// How one position vector is read at one tap: the whole vector from one run of a
/// padded input row, or (outputs no wider than half a vector) each half from the
/// rows of two consecutive output rows, `gap` floats apart.
protocol DirectPositionLoad {
  static func load(_ p: UnsafePointer<Float>, gap: Int) -> KernelVector
}

/// One output row per vector.
enum OneRowLoad: DirectPositionLoad {
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, gap: Int) -> KernelVector { loadVector(p) }
}

/// Two output rows per vector, half a vector each.
enum TwoRowLoad: DirectPositionLoad {
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, gap: Int) -> KernelVector {
    KernelVector(
      lowHalf: UnsafeRawPointer(p).loadUnaligned(as: HalfKernelVector.self),
      highHalf: UnsafeRawPointer(p + gap).loadUnaligned(as: HalfKernelVector.self))
  }
}

/// The input vectors of one tap; those past `Tile.vectors` are never read.
struct DirectTileInputs {
  var v0 = KernelVector(), v1 = KernelVector(), v2 = KernelVector(), v3 = KernelVector()
}

/// One filter's accumulators in a tile.
struct DirectTileRow<Tile: DirectTile> {
  private var v0 = KernelVector(), v1 = KernelVector(), v2 = KernelVector(), v3 = KernelVector()

  /// `self += w * inputs`.
  @inline(__always)
  mutating func accumulate(_ w: Float, _ x: DirectTileInputs) {
    let w = KernelVector(repeating: w)
    v0 = multiplyAdd(v0, w, x.v0)
    if Tile.vectors > 1 { v1 = multiplyAdd(v1, w, x.v1) }
    if Tile.vectors > 2 { v2 = multiplyAdd(v2, w, x.v2) }
    if Tile.vectors > 3 { v3 = multiplyAdd(v3, w, x.v3) }
  }

  /// Writes the row's `Tile.vectors` vectors side by side at `tile`.
  @inline(__always)
  func store(to tile: UnsafeMutablePointer<Float>) {
    let width = KernelVector.scalarCount
    storeVector(v0, to: tile)
    if Tile.vectors > 1 { storeVector(v1, to: tile + width) }
    if Tile.vectors > 2 { storeVector(v2, to: tile + 2 * width) }
    if Tile.vectors > 3 { storeVector(v3, to: tile + 3 * width) }
  }
}

/// Where the micro-kernel reads: the padded input of one band and the layout of
/// its taps. Tap `(c, i, j)` of a position vector whose tap `(0, 0, 0)` reads at
/// `input + o` reads at `input + o + c * channelStride + i * rowStep + columns[j]`.
struct DirectTileSource {
  var input: UnsafePointer<Float>
  var channels: Int
  var channelStride: Int
  var kernelHeight: Int
  var kernelWidth: Int
  var rowStep: Int
  /// Per kernel column, its offset in a padded row (its column phase and place there).
  var columns: UnsafePointer<Int>
  /// Floats between the two output rows of a two-row position vector.
  var gap: Int
}

/// The direct convolution's micro-kernel: `tile[r][v] = sum over taps of
/// weights[tap][r] * input vector v at the tap`, for `Tile.rows` filters and the
/// `Tile.vectors` position vectors whose tap-(0, 0, 0) offsets are `offsets`.
/// `weights` holds `Tile.rows` floats per tap in tap order `(c, i, j)`; `tile`
/// receives `Tile.rows * Tile.vectors` vectors, row by row. One pass over the
/// taps, no branch inside it: the padding is in the input's zeros.
@inline(__always)
func directMicroKernel<Tile: DirectTile, Load: DirectPositionLoad>(
  _: Tile.Type, _: Load.Type, weights: UnsafePointer<Float>, source s: DirectTileSource, offsets: SIMD4<Int>,
  tile: UnsafeMutablePointer<Float>
) {
  var c0 = DirectTileRow<Tile>(), c1 = DirectTileRow<Tile>(), c2 = DirectTileRow<Tile>()
  var c3 = DirectTileRow<Tile>(), c4 = DirectTileRow<Tile>(), c5 = DirectTileRow<Tile>()
  var c6 = DirectTileRow<Tile>(), c7 = DirectTileRow<Tile>(), c8 = DirectTileRow<Tile>()
  var c9 = DirectTileRow<Tile>(), c10 = DirectTileRow<Tile>(), c11 = DirectTileRow<Tile>()
  var w = weights
  let (p0, p1, p2, p3) = (s.input + offsets[0], s.input + offsets[1], s.input + offsets[2], s.input + offsets[3])
  var channel = 0
  for _ in 0..<s.channels {
    var row = channel
    for _ in 0..<s.kernelHeight {
      for j in 0..<s.kernelWidth {
        let tap = row + s.columns[j]
        var x = DirectTileInputs()
        x.v0 = Load.load(p0 + tap, gap: s.gap)
        if Tile.vectors > 1 { x.v1 = Load.load(p1 + tap, gap: s.gap) }
        if Tile.vectors > 2 { x.v2 = Load.load(p2 + tap, gap: s.gap) }
        if Tile.vectors > 3 { x.v3 = Load.load(p3 + tap, gap: s.gap) }
        c0.accumulate(w[0], x)
        if Tile.rows > 1 { c1.accumulate(w[1], x) }
        if Tile.rows > 2 { c2.accumulate(w[2], x) }
        if Tile.rows > 3 { c3.accumulate(w[3], x) }
        if Tile.rows > 4 { c4.accumulate(w[4], x) }
        if Tile.rows > 5 { c5.accumulate(w[5], x) }
        if Tile.rows > 6 { c6.accumulate(w[6], x) }
        if Tile.rows > 7 { c7.accumulate(w[7], x) }
        if Tile.rows > 8 { c8.accumulate(w[8], x) }
        if Tile.rows > 9 { c9.accumulate(w[9], x) }
        if Tile.rows > 10 { c10.accumulate(w[10], x) }
        if Tile.rows > 11 { c11.accumulate(w[11], x) }
        w += Tile.rows
      }
      row += s.rowStep
    }
    channel += s.channelStride
  }
  let rowSize = Tile.vectors * KernelVector.scalarCount
  c0.store(to: tile)
  if Tile.rows > 1 { c1.store(to: tile + rowSize) }
  if Tile.rows > 2 { c2.store(to: tile + 2 * rowSize) }
  if Tile.rows > 3 { c3.store(to: tile + 3 * rowSize) }
  if Tile.rows > 4 { c4.store(to: tile + 4 * rowSize) }
  if Tile.rows > 5 { c5.store(to: tile + 5 * rowSize) }
  if Tile.rows > 6 { c6.store(to: tile + 6 * rowSize) }
  if Tile.rows > 7 { c7.store(to: tile + 7 * rowSize) }
  if Tile.rows > 8 { c8.store(to: tile + 8 * rowSize) }
  if Tile.rows > 9 { c9.store(to: tile + 9 * rowSize) }
  if Tile.rows > 10 { c10.store(to: tile + 10 * rowSize) }
  if Tile.rows > 11 { c11.store(to: tile + 11 * rowSize) }
}
