/// Cache blocking of the GEMM loop nest (BLIS order: columns, depth, rows, then
/// micro-tiles). Tuned on an AVX-512 Xeon (48 KiB L1d, 2 MiB L2 per core).
enum GEMMBlocking {
  /// `kc`: the depth of a packed block. One packed B micro-panel (`depth x 32`
  /// floats) stays in L1 while A micro-panels stream past it.
  static let depth = 256
  /// `mc`: rows of op(A) packed at once (a multiple of `microKernelRows`); the packed
  /// A block stays in L2.
  static let rows = 16 * microKernelRows
  /// `nc`: columns of op(B) packed at once (a multiple of `WideRow.width`).
  static let columns = 4096
}

/// The arguments of one GEMM call, shared by the tasks that compute parts of C.
struct GEMMOperands: @unchecked Sendable {
  var transposeA: Bool
  var transposeB: Bool
  var m: Int
  var n: Int
  var k: Int
  var alpha: Float
  var a: UnsafePointer<Float>
  var lda: Int
  var b: UnsafePointer<Float>
  var ldb: Int
  var beta: Float
  var c: UnsafeMutablePointer<Float>
  var ldc: Int
  var epilogue: GEMMEpilogue

  /// Computes `C[rows, columns]` on the calling thread with `workspace`'s buffers.
  func compute(rows: Range<Int>, columns: Range<Int>, workspace: KernelWorkspace) {
    if transposeA {
      compute(DepthMajorPanel.self, rows: rows, columns: columns, workspace: workspace)
    } else {
      compute(RowMajorPanel.self, rows: rows, columns: columns, workspace: workspace)
    }
  }

  private func compute<Layout: PackedALayout>(
    _ layout: Layout.Type, rows: Range<Int>, columns: Range<Int>, workspace: KernelWorkspace
  ) {
    let panelRows = (min(GEMMBlocking.rows, rows.count) + microKernelRows - 1) / microKernelRows
    let panelColumns = (min(GEMMBlocking.columns, columns.count) + WideRow.width - 1) / WideRow.width
    workspace.reserve(
      packedA: panelRows * packedAPanelSize,
      packedB: panelColumns * WideRow.width * min(GEMMBlocking.depth, k),
      edgeTile: microKernelRows * WideRow.width)
    let packedA = workspace.packedA.pointer
    let packedB = workspace.packedB.pointer
    let edgeTile = workspace.edgeTile.pointer

    for left in stride(from: columns.lowerBound, to: columns.upperBound, by: GEMMBlocking.columns) {
      let blockColumns = left..<min(left + GEMMBlocking.columns, columns.upperBound)
      for front in stride(from: 0, to: k, by: GEMMBlocking.depth) {
        let depth = front..<min(front + GEMMBlocking.depth, k)
        let blockBeta = front == 0 ? beta : 1
        let finishes = depth.upperBound == k && !epilogue.isNone
        packB(depth: depth, columns: blockColumns, into: packedB)
        for top in stride(from: rows.lowerBound, to: rows.upperBound, by: GEMMBlocking.rows) {
          let blockRows = top..<min(top + GEMMBlocking.rows, rows.upperBound)
          packA(layout, rows: blockRows, depth: depth, into: packedA)
          var bPanel = UnsafePointer(packedB)
          for tileLeft in stride(from: blockColumns.lowerBound, to: blockColumns.upperBound, by: WideRow.width) {
            let width = min(WideRow.width, blockColumns.upperBound - tileLeft)
            var aPanel = UnsafePointer(packedA)
            for tileTop in stride(from: blockRows.lowerBound, to: blockRows.upperBound, by: microKernelRows) {
              let height = min(microKernelRows, blockRows.upperBound - tileTop)
              let tile = c + tileTop * ldc + tileLeft
              if width <= NarrowRow.width {
                computeTile(
                  NarrowRow.self, layout, depth: depth.count, a: aPanel, b: bPanel, tile: tile,
                  height: height, width: width, beta: blockBeta, edgeTile: edgeTile)
              } else {
                computeTile(
                  WideRow.self, layout, depth: depth.count, a: aPanel, b: bPanel, tile: tile,
                  height: height, width: width, beta: blockBeta, edgeTile: edgeTile)
              }
              if finishes {
                epilogue.apply(
                  to: c, ldc: ldc, rows: tileTop..<tileTop + height, columns: tileLeft..<tileLeft + width)
              }
              aPanel += packedAPanelSize
            }
            bPanel += depth.count * WideRow.width
          }
        }
      }
    }
  }

  /// Runs the micro-kernel for one tile; a ragged tile goes through `edgeTile` and
  /// only its `height x width` part is merged into C.
  @inline(__always)
  func computeTile<Row: MicroKernelRow, Layout: PackedALayout>(
    _ row: Row.Type, _ layout: Layout.Type, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    tile: UnsafeMutablePointer<Float>, height: Int, width: Int, beta: Float,
    edgeTile: UnsafeMutablePointer<Float>
  ) {
    if height == microKernelRows && width == Row.width {
      microKernel(row, layout, depth: depth, a: a, b: b, c: tile, ldc: ldc, alpha: alpha, beta: beta)
      return
    }
    microKernel(row, layout, depth: depth, a: a, b: b, c: edgeTile, ldc: Row.width, alpha: 1, beta: 0)
    for i in 0..<height {
      let source = edgeTile + i * Row.width
      let destination = tile + i * ldc
      if beta == 0 {
        for j in 0..<width { destination[j] = alpha * source[j] }
      } else {
        for j in 0..<width { destination[j] = alpha * source[j] + beta * destination[j] }
      }
    }
  }
}
