/// Packing copies a block of op(A) or op(B) into the contiguous, zero-padded
/// micro-panels the micro-kernel streams through.
extension GEMMOperands {
  /// Packs `op(A)[rows, depth]` as micro-panels of `microKernelRows` rows laid out as
  /// `Layout` says: panel `p` starts at `p * packedAPanelSize` and holds rows
  /// `rows.lowerBound + p * microKernelRows` onwards. Rows past the end of `rows` are
  /// zero. Plain A is packed row-major, Aᵀ depth-major, so both are straight copies.
  func packA<Layout: PackedALayout>(
    _: Layout.Type, rows: Range<Int>, depth: Range<Int>, into packed: UnsafeMutablePointer<Float>
  ) {
    let kc = depth.count
    var panel = packed
    for top in stride(from: rows.lowerBound, to: rows.upperBound, by: microKernelRows) {
      let height = min(microKernelRows, rows.upperBound - top)
      if transposeA {
        // op(A)[i, k] = a[k * lda + i]: the panel's rows for one k are adjacent in a.
        for k in 0..<kc {
          let destination = panel + k * Layout.depthStride
          let source = a + (depth.lowerBound + k) * lda + top
          for r in 0..<height { destination[r * Layout.rowStride] = source[r] }
          for r in height..<microKernelRows { destination[r * Layout.rowStride] = 0 }
        }
      } else {
        for r in 0..<microKernelRows {
          let destination = panel + r * Layout.rowStride
          if r < height {
            let source = a + (top + r) * lda + depth.lowerBound
            for k in 0..<kc { destination[k * Layout.depthStride] = source[k] }
          } else {
            for k in 0..<kc { destination[k * Layout.depthStride] = 0 }
          }
        }
      }
      panel += packedAPanelSize
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
        var j = 0
        #if NETSPEC_AVX512
          // Whole 16 x 16 blocks go through registers; the ragged rest below.
          let blockDepth = kc - kc % 16
          while j + 16 <= width {
            for k in Swift.stride(from: 0, to: blockDepth, by: 16) {
              transpose16(
                b + (left + j) * ldb + depth.lowerBound + k, ld: ldb, into: panel + k * stride + j,
                ldd: stride)
            }
            for column in j..<j + 16 {
              let source = b + (left + column) * ldb + depth.lowerBound
              for k in blockDepth..<kc { panel[k * stride + column] = source[k] }
            }
            j += 16
          }
        #endif
        for column in j..<width {
          let source = b + (left + column) * ldb + depth.lowerBound
          for k in 0..<kc { panel[k * stride + column] = source[k] }
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

#if NETSPEC_AVX512
  /// Sixteen vectors of 16 floats: a 16 x 16 block held in registers.
  private typealias Block16 = (
    KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector,
    KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector, KernelVector,
    KernelVector, KernelVector
  )

  /// Writes the transpose of the 16 x 16 block at `source` (rows `ld` floats apart)
  /// to `destination` (rows `ldd` apart), twice as fast as a scalar gather.
  @inline(__always)
  private func transpose16(
    _ source: UnsafePointer<Float>, ld: Int, into destination: UnsafeMutablePointer<Float>, ldd: Int
  ) {
    func row(_ i: Int) -> KernelVector { loadVector(source + i * ld) }
    let rows: Block16 = (
      row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7),
      row(8), row(9), row(10), row(11), row(12), row(13), row(14), row(15)
    )
    // Each round moves the lowest column bit to the top of the row index and the
    // lowest row bit to the top of the column index; four rounds transpose.
    let columns = interleave(interleave(interleave(interleave(rows))))
    withUnsafeBytes(of: columns) { columns in
      for i in 0..<16 {
        storeVector(
          columns.load(fromByteOffset: i * MemoryLayout<KernelVector>.stride, as: KernelVector.self),
          to: destination + i * ldd)
      }
    }
  }

  /// Row `i < 8` becomes the even lanes of rows `2i` and `2i + 1`, row `8 + i`
  /// their odd lanes.
  @inline(__always)
  private func interleave(_ r: Block16) -> Block16 {
    func even(_ x: KernelVector, _ y: KernelVector) -> KernelVector {
      KernelVector(lowHalf: x.evenHalf, highHalf: y.evenHalf)
    }
    func odd(_ x: KernelVector, _ y: KernelVector) -> KernelVector {
      KernelVector(lowHalf: x.oddHalf, highHalf: y.oddHalf)
    }
    return (
      even(r.0, r.1), even(r.2, r.3), even(r.4, r.5), even(r.6, r.7),
      even(r.8, r.9), even(r.10, r.11), even(r.12, r.13), even(r.14, r.15),
      odd(r.0, r.1), odd(r.2, r.3), odd(r.4, r.5), odd(r.6, r.7),
      odd(r.8, r.9), odd(r.10, r.11), odd(r.12, r.13), odd(r.14, r.15)
    )
  }
#endif
