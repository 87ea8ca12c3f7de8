extension GEMMOperands {
  /// Columns of C whose sums one pass over B accumulates (2 KiB of floats, kept in L1).
  static let singleRowBlock = 512

  /// Computes `C[0, columns]` when C has a single row (batch-1 inference, stochastic
  /// training): a matrix-vector product that streams op(B) once, unpacked, instead of
  /// filling micro-tiles whose other rows would be wasted.
  func computeSingleRow(columns: Range<Int>, workspace: KernelWorkspace) {
    workspace.reserve(packedA: k, packedB: Self.singleRowBlock, edgeTile: 0)
    // op(A) is one row; make it contiguous if A is stored as a k x 1 column.
    var row = a
    if transposeA && lda != 1 {
      let packed = workspace.packedA.pointer
      for l in 0..<k { packed[l] = a[l * lda] }
      row = UnsafePointer(packed)
    }
    if transposeB {
      dotProducts(row, columns: columns)
    } else {
      scaledRowSums(row, columns: columns, sums: workspace.packedB.pointer)
    }
    if !epilogue.isNone {
      epilogue.apply(to: c, ldc: ldc, rows: 0..<1, columns: columns)
    }
  }

  /// `c[j] = alpha * sum over l of row[l] * b[l * ldb + j] + beta * c[j]`.
  ///
  /// Sums for a block of columns live in `sums` (L1) while the block's part of B is
  /// read row after row, four rows per pass: contiguous runs that the prefetcher
  /// follows, instead of one short piece of every row per page.
  private func scaledRowSums(_ row: UnsafePointer<Float>, columns: Range<Int>, sums: UnsafeMutablePointer<Float>) {
    let lanes = KernelVector.scalarCount
    let vectorEnd = columns.lowerBound + (columns.count - columns.count % lanes)
    for left in stride(from: columns.lowerBound, to: vectorEnd, by: Self.singleRowBlock) {
      let width = min(Self.singleRowBlock, vectorEnd - left)
      sums.update(repeating: 0, count: width)
      var l = 0
      while l < k {
        let rows = min(4, k - l)
        let x0 = KernelVector(repeating: row[l])
        let x1 = KernelVector(repeating: rows > 1 ? row[l + 1] : 0)
        let x2 = KernelVector(repeating: rows > 2 ? row[l + 2] : 0)
        let x3 = KernelVector(repeating: rows > 3 ? row[l + 3] : 0)
        // Rows past k repeat row l with a zero weight.
        let b0 = b + l * ldb + left
        let b1 = rows > 1 ? b0 + ldb : b0
        let b2 = rows > 2 ? b0 + 2 * ldb : b0
        let b3 = rows > 3 ? b0 + 3 * ldb : b0
        for v in stride(from: 0, to: width, by: lanes) {
          var sum = loadVector(sums + v)
          sum = multiplyAdd(sum, x0, loadVector(b0 + v))
          sum = multiplyAdd(sum, x1, loadVector(b1 + v))
          sum = multiplyAdd(sum, x2, loadVector(b2 + v))
          sum = multiplyAdd(sum, x3, loadVector(b3 + v))
          storeVector(sum, to: sums + v)
        }
        l += 4
      }
      let alpha = KernelVector(repeating: alpha)
      for v in stride(from: 0, to: width, by: lanes) {
        let target = c + left + v
        let sum = loadVector(sums + v)
        if beta == 0 {
          storeVector(alpha * sum, to: target)
        } else {
          storeVector(multiplyAdd(KernelVector(repeating: beta) * loadVector(target), alpha, sum), to: target)
        }
      }
    }
    for j in vectorEnd..<columns.upperBound {
      var sum: Float = 0
      for l in 0..<k { sum += row[l] * b[l * ldb + j] }
      c[j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[j]
    }
  }

  /// `c[j] = alpha * dot(row, b[j * ldb ..< j * ldb + k]) + beta * c[j]`: B holds
  /// op(B)'s columns as rows, so each output is one contiguous dot product.
  ///
  /// Four columns at a time, one accumulator each, so the four sums' FMA chains
  /// and their horizontal reductions (a tree, not 15 dependent scalar additions)
  /// overlap: for a batch-1 dense layer the reduction, not the multiply-adds, was
  /// the bound. A column's result does not depend on whether it was computed in
  /// a group of four, so it does not depend on how the columns were split.
  private func dotProducts(_ row: UnsafePointer<Float>, columns: Range<Int>) {
    let lanes = KernelVector.scalarCount
    let vectorDepth = k - k % lanes
    let quadEnd = columns.lowerBound + columns.count / 4 * 4
    for j in stride(from: columns.lowerBound, to: quadEnd, by: 4) {
      let (b0, b1, b2, b3) = (b + j * ldb, b + (j + 1) * ldb, b + (j + 2) * ldb, b + (j + 3) * ldb)
      var (s0, s1, s2, s3) = (KernelVector(), KernelVector(), KernelVector(), KernelVector())
      for l in stride(from: 0, to: vectorDepth, by: lanes) {
        let x = loadVector(row + l)
        s0 = multiplyAdd(s0, x, loadVector(b0 + l))
        s1 = multiplyAdd(s1, x, loadVector(b1 + l))
        s2 = multiplyAdd(s2, x, loadVector(b2 + l))
        s3 = multiplyAdd(s3, x, loadVector(b3 + l))
      }
      var sums = SIMD4(treeSum(s0), treeSum(s1), treeSum(s2), treeSum(s3))
      // Multiply, then add, lane by lane: the same rounding as the lone columns below.
      for l in vectorDepth..<k { sums += SIMD4(repeating: row[l]) * SIMD4(b0[l], b1[l], b2[l], b3[l]) }
      for q in 0..<4 { store(sums[q], column: j + q) }
    }
    for j in quadEnd..<columns.upperBound {
      let column = b + j * ldb
      var s = KernelVector()
      for l in stride(from: 0, to: vectorDepth, by: lanes) {
        s = multiplyAdd(s, loadVector(row + l), loadVector(column + l))
      }
      var sum = treeSum(s)
      for l in vectorDepth..<k { sum += row[l] * column[l] }
      store(sum, column: j)
    }
  }

  /// `c[j] = alpha * sum + beta * c[j]` (C not read when `beta` is 0).
  @inline(__always)
  private func store(_ sum: Float, column j: Int) {
    c[j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[j]
  }
}

/// The sum of a vector's lanes by halving (a tree of vector additions), which
/// is shorter than `sum()`'s chain of one scalar addition per lane.
@inline(__always)
private func treeSum(_ v: SIMD16<Float>) -> Float { treeSum(v.lowHalf + v.highHalf) }

@inline(__always)
private func treeSum(_ v: SIMD8<Float>) -> Float { treeSum(v.lowHalf + v.highHalf) }

@inline(__always)
private func treeSum(_ v: SIMD4<Float>) -> Float {
  let pair = v.lowHalf + v.highHalf
  return pair.x + pair.y
}
