/// Packing copies a block of op(A) or op(B) into the contiguous, zero-padded
/// micro-panels the micro-kernel streams through.

/// Floats between two rows of a packed A micro-panel. A compile-time constant, so
/// the micro-kernel addresses all its rows from one pointer with fixed offsets. The
/// extra cache line keeps the rows of a panel out of each other's cache sets.
let packedARowStride = GEMMBlocking.depth + 16

extension GEMMOperands {
  /// Packs `op(A)[rows, depth]` as micro-panels of `microKernelRows` rows: panel `p`
  /// starts at `p * microKernelRows * packedARowStride`; its row `r` holds the
  /// `depth.count` values of `op(A)[rows.lowerBound + p * microKernelRows + r, depth]`.
  /// Rows past the end of `rows` are zero.
  func packA(rows: Range<Int>, depth: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
    let kc = depth.count
    var panel = packed
    for top in stride(from: rows.lowerBound, to: rows.upperBound, by: microKernelRows) {
      let height = min(microKernelRows, rows.upperBound - top)
      if transposeA {
        // op(A)[i, k] = a[k * lda + i]: gather each panel column from one source row.
        for k in 0..<kc {
          let source = a + (depth.lowerBound + k) * lda + top
          for r in 0..<height {
            panel[r * packedARowStride + k] = source[r]
          }
        }
      } else {
        for r in 0..<height {
          (panel + r * packedARowStride).update(from: a + (top + r) * lda + depth.lowerBound, count: kc)
        }
      }
      for r in height..<microKernelRows {
        (panel + r * packedARowStride).update(repeating: 0, count: kc)
      }
      panel += microKernelRows * packedARowStride
    }
  }

  /// Packs `op(B)[depth, columns]` as micro-panels of `WideRow.width` columns: panel
  /// `p` starts at `p * depth.count * WideRow.width` and holds, for each `k`, the
  /// panel's columns of row `k` contiguously, zero-padded. A last panel of
  /// `NarrowRow.width` columns or fewer is packed `NarrowRow.width` wide.
  func packB(depth: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
    let kc = depth.count
    var panel = packed
    for left in stride(from: columns.lowerBound, to: columns.upperBound, by: WideRow.width) {
      let width = min(WideRow.width, columns.upperBound - left)
      let stride = width <= NarrowRow.width ? NarrowRow.width : WideRow.width
      if transposeB {
        // op(B)[k, j] = b[j * ldb + k]: each source row fills one panel column.
        for j in 0..<width {
          let source = b + (left + j) * ldb + depth.lowerBound
          for k in 0..<kc {
            panel[k * stride + j] = source[k]
          }
        }
        if width < stride {
          for k in 0..<kc {
            (panel + k * stride + width).update(repeating: 0, count: stride - width)
          }
        }
      } else if width == stride {
        for k in 0..<kc {
          let source = b + (depth.lowerBound + k) * ldb + left
          for v in 0..<(stride / KernelVector.scalarCount) {
            let offset = v * KernelVector.scalarCount
            storeVector(loadVector(source + offset), to: panel + k * stride + offset)
          }
        }
      } else {
        for k in 0..<kc {
          let destination = panel + k * stride
          destination.update(from: b + (depth.lowerBound + k) * ldb + left, count: width)
          (destination + width).update(repeating: 0, count: stride - width)
        }
      }
      panel += kc * WideRow.width
    }
  }
}
