/// The forward convolution as an implicit GEMM: per sample,
/// `Z[F, P] = W[F, C * kh * kw] * columns[C * kh * kw, P]` with the column
/// matrix never written. Each micro-panel of `WideRow.width` output positions is
/// packed straight from the input image (one run of an input row per output row
/// and tap, zeros in the padding) into the GEMM's packed-B layout, and the GEMM
/// micro-kernel runs every filter tile against it while it is in L1. The packed
/// weights (a few KiB for few channels) stay in L2 for the whole call, and `Z`
/// is written once, in `[batch, F, P]` order: im2col's pass over the column
/// matrix and the GEMM's packing pass over it are both gone.
///
/// Every element of `Z` goes through the micro-kernel with the same depth blocks
/// as ``GEMM`` on the im2col columns, so the result equals the im2col path's to
/// the bit, whatever the thread count.
enum ImplicitConvolution {
  /// Whether ``forward(z:x:weight:bias:relu:batch:geometry:filters:pool:)`` runs
  /// the convolution: ungrouped, with weights small enough (`filters` rounded up to
  /// a micro-tile, times `C * kh * kw`, at most 64 Ki floats) that their packed
  /// panels stay in L2 while every position panel streams past them. Larger
  /// layers keep im2col + GEMM, whose row blocking reuses each packed B block
  /// across the filters. A single filter keeps it too: ``GEMM`` runs one-row
  /// products as row sums, in another order, and the two paths must agree.
  /// Kernels larger than 3x3 keep im2col as well: measured on a quiet machine
  /// (`ConvBench`, docs/PERFORMANCE.md), LeNet-5's 5x5 layers ran at 0.75-0.89x
  /// of im2col + GEMM on one and two threads, while ResNet-20's 3x3 and 1x1
  /// layers gained 1.04-1.42x on two.
  static func applies(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> Bool {
    let paddedFilters = (filters + microKernelRows - 1) / microKernelRows * microKernelRows
    return groups == 1 && filters > 1 && g.kernelHeight * g.kernelWidth <= 9
      && paddedFilters * g.columnRows <= 1 << 16
  }

  /// `z[batch, F, P] = W * columns + bias`, with a ReLU when `relu` is set.
  /// `weight` is `[F, C * kh * kw]`; `x` is `[batch, C, H, W]`. Split over
  /// position panels (each thread packs the weights once per call), on the pool
  /// when it beats the calling thread alone (``ComputePool/choosingThreads(_:_:)``).
  static func forward(
    z: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, relu: Bool, batch: Int, geometry g: ConvolutionGeometry, filters: Int,
    pool: ComputePool
  ) {
    let positions = g.outputPositions
    let depth = g.columnRows
    guard batch > 0, positions > 0, filters > 0 else { return }
    let operands = GEMMOperands(
      transposeA: false, transposeB: false, m: filters, n: positions, k: depth, alpha: 1, a: weight, lda: depth,
      b: x, ldb: 1, beta: 0, c: z, ldc: positions,
      epilogue: GEMMEpilogue(bias: bias.map { .perRow($0) } ?? .none, activation: relu ? .relu : .identity))
    let panels = (positions + WideRow.width - 1) / WideRow.width
    let units = batch * panels
    let work = filters * depth * positions * batch
    let tasks = work >= WorkSplit.minimumParallelWork ? min(pool.threadCount, units) : 1
    let run = { (tasks: Int) in
      pool.parallelFor(tasks) { task in
        operands.convolve(
          units: (units * task / tasks)..<(units * (task + 1) / tasks), panels: panels, geometry: g,
          workspace: pool.workspaces[task])
      }
    }
    guard tasks > 1 else { return run(1) }
    let shape = KernelShape(kernel: KernelShape.implicitConvolution, filters, positions, depth, batch)
    pool.choosingThreads(shape) { parallel in run(parallel ? tasks : 1) }
  }
}

extension GEMMOperands {
  /// Units `sample * panels + panel` of an implicit convolution (`b` is the
  /// input `[batch, C, H, W]`, `c` the output `[batch, F, P]`), on one thread.
  fileprivate func convolve(
    units: Range<Int>, panels: Int, geometry g: ConvolutionGeometry, workspace: KernelWorkspace
  ) {
    guard !units.isEmpty else { return }
    let rowPanels = (m + microKernelRows - 1) / microKernelRows
    let depthBlocks = (k + GEMMBlocking.depth - 1) / GEMMBlocking.depth
    workspace.reserve(
      packedA: depthBlocks * rowPanels * packedAPanelSize, packedB: min(GEMMBlocking.depth, k) * WideRow.width,
      edgeTile: microKernelRows * WideRow.width)
    let packedA = workspace.packedA.pointer
    let packedB = workspace.packedB.pointer
    let edgeTile = workspace.edgeTile.pointer
    for block in 0..<depthBlocks {
      let front = block * GEMMBlocking.depth
      packA(
        RowMajorPanel.self, rows: 0..<m, depth: front..<min(front + GEMMBlocking.depth, k),
        into: packedA + block * rowPanels * packedAPanelSize)
    }
    let sampleSize = g.channels * g.height * g.width
    for unit in units {
      let (sample, panel) = unit.quotientAndRemainder(dividingBy: panels)
      let left = panel * WideRow.width
      let width = min(WideRow.width, n - left)
      let output = c + sample * m * n
      for block in 0..<depthBlocks {
        let depth = block * GEMMBlocking.depth..<min((block + 1) * GEMMBlocking.depth, k)
        let panelStride = width <= NarrowRow.width ? NarrowRow.width : WideRow.width
        g.packPanel(
          b + sample * sampleSize, taps: depth, positions: left..<left + width, stride: panelStride, into: packedB)
        var aPanel = UnsafePointer(packedA + block * rowPanels * packedAPanelSize)
        for top in stride(from: 0, to: m, by: microKernelRows) {
          let height = min(microKernelRows, m - top)
          let tile = output + top * ldc + left
          let beta: Float = block == 0 ? 0 : 1
          if width <= NarrowRow.width {
            computeTile(
              NarrowRow.self, RowMajorPanel.self, depth: depth.count, a: aPanel, b: packedB, tile: tile,
              height: height, width: width, beta: beta, edgeTile: edgeTile)
          } else {
            computeTile(
              WideRow.self, RowMajorPanel.self, depth: depth.count, a: aPanel, b: packedB, tile: tile,
              height: height, width: width, beta: beta, edgeTile: edgeTile)
          }
          if depth.upperBound == k && !epilogue.isNone {
            epilogue.apply(to: output, ldc: ldc, rows: top..<top + height, columns: left..<left + width)
          }
          aPanel += packedAPanelSize
        }
      }
    }
  }
}

extension ConvolutionGeometry {
  /// Packs rows `taps` of one sample's column matrix, restricted to the output
  /// `positions`, as one packed-B micro-panel: tap `t` holds its `positions.count`
  /// values at `packed + (t - taps.lowerBound) * stride`, zero-padded to `stride`.
  /// Reads `x` (`[C, H, W]`) in place: each output row the panel covers is one
  /// run of an input row (a copy when the stride along the width is 1).
  func packPanel(
    _ x: UnsafePointer<Float>, taps: Range<Int>, positions: Range<Int>, stride: Int,
    into packed: UnsafeMutablePointer<Float>
  ) {
    // Divisions cost more than the copies here: the tap's (channel, i, j) and the
    // panel's first (row, column) are stepped, not divided out, per tap.
    let (firstRow, firstColumn) = positions.lowerBound.quotientAndRemainder(dividingBy: outputWidth)
    let (firstChannel, window) = taps.lowerBound.quotientAndRemainder(dividingBy: kernelHeight * kernelWidth)
    var (channel, (i, j)) = (firstChannel, window.quotientAndRemainder(dividingBy: kernelWidth))
    for tap in taps {
      let destination = packed + (tap - taps.lowerBound) * stride
      let plane = x + channel * height * width
      let columnOffset = j * dilationWidth - padLeft
      let valid =
        strideWidth == 1
        ? max(0, -columnOffset)..<max(max(0, -columnOffset), min(outputWidth, width - columnOffset))
        : Self.validOutputs(offset: columnOffset, stride: strideWidth, size: width, count: outputWidth)
      var (oh, first, out) = (firstRow, firstColumn, destination - firstColumn)
      var remaining = positions.count
      while remaining > 0 {
        let last = min(outputWidth, first + remaining)
        let ih = oh * strideHeight + i * dilationHeight - padTop
        if ih >= 0 && ih < height {
          let source = plane + ih * width + columnOffset
          let lower = min(max(valid.lowerBound, first), last)
          let upper = max(min(valid.upperBound, last), lower)
          for ow in first..<lower { out[ow] = 0 }
          if strideWidth == 1 {
            copyRun(source + lower, out + lower, count: upper - lower)
          } else {
            for ow in lower..<upper { out[ow] = source[ow * strideWidth] }
          }
          for ow in upper..<last { out[ow] = 0 }
        } else {
          for ow in first..<last { out[ow] = 0 }
        }
        remaining -= last - first
        out += outputWidth
        (oh, first) = (oh + 1, 0)
      }
      j += 1
      if j == kernelWidth { (i, j) = (i + 1, 0) }
      if i == kernelHeight { (channel, i) = (channel + 1, 0) }
      let filled = positions.count
      if filled < stride { (destination + filled).update(repeating: 0, count: stride - filled) }
    }
  }
}
