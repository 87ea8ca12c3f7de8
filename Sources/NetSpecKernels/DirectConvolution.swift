/// A packless direct convolution over NCHW planes: nothing of the input is
/// packed. Per unit of work (``DirectWorkSplit``: a group of filter blocks for one
/// sample's band of output rows) the band's input rows are copied once,
/// zero-padded, into the thread's workspace; a register
/// tile of filters x position vectors (``DirectTile``; a position vector is
/// `KernelVector.scalarCount` consecutive output columns of one row, or half a
/// vector from each of two rows when rows are that short) then runs over every
/// tap `(c, i, j)`, broadcasting one weight per filter into the FMAs and reading
/// each position vector straight from the padded rows. A stride along the width
/// is undone by the copy, which splits each padded row into `stride` column
/// phases, so every tap of every stride reads one contiguous run. The weights of
/// the filter blocks a thread's units reach are re-laid once per call and thread
/// as `[filter block][c][i][j][filter in block]`.
///
/// The same kernel runs the input gradient of a stride-1 convolution: `dX` is the
/// convolution of `dZ` (padded by `(k - 1) * dilation - pad`) with the weights
/// transposed (filters and channels swapped) and flipped, re-laid that way.
///
/// Each output element is one accumulator summed over the taps in the order
/// `(c, i, j)`, whatever the tile, band or thread count, so results do not depend
/// on the thread count; they differ from the GEMM paths' summation order by
/// rounding only.
struct DirectConvolution {
  /// The convolution as run: `geometry.channels` source planes of
  /// `geometry.height x geometry.width` into `filters` planes of
  /// `geometry.outputHeight x geometry.outputWidth`.
  var geometry: ConvolutionGeometry
  var filters: Int
  /// Floats between samples and between channel planes of the source.
  var sourceSampleStride: Int
  var sourceChannelStride: Int
  /// Whether the weights are read as the input gradient's transposed, flipped
  /// kernel: run filter `f`, run channel `c` and tap `(i, j)` is
  /// `weight[c, f, kh - 1 - i, kw - 1 - j]` of the `[channels, filters, kh, kw]` tensor.
  var transposedWeights: Bool

  /// The forward convolution of `g` with `filters` filters over `[batch, C, H, W]` inputs.
  init(forward g: ConvolutionGeometry, filters: Int) {
    geometry = g
    self.filters = filters
    sourceSampleStride = g.channels * g.height * g.width
    sourceChannelStride = g.height * g.width
    transposedWeights = false
  }

  /// The input gradient of the stride-1 convolution `g` with `filters` filters,
  /// as a convolution of `dZ`, whose planes are `gradientChannelStride` floats
  /// apart and whose samples are `gradientSampleStride` apart.
  init(inputGradientOf g: ConvolutionGeometry, filters: Int, gradientSampleStride: Int, gradientChannelStride: Int) {
    geometry = ConvolutionGeometry(
      channels: filters, height: g.outputHeight, width: g.outputWidth, kernel: (g.kernelHeight, g.kernelWidth),
      stride: (1, 1), dilation: (g.dilationHeight, g.dilationWidth),
      padTop: (g.kernelHeight - 1) * g.dilationHeight - g.padTop,
      padLeft: (g.kernelWidth - 1) * g.dilationWidth - g.padLeft, outputHeight: g.height, outputWidth: g.width)
    self.filters = g.channels
    sourceSampleStride = gradientSampleStride
    sourceChannelStride = gradientChannelStride
    transposedWeights = true
  }

  /// Whether position vectors hold two output rows (rows no wider than half a vector).
  var twoRowVectors: Bool { geometry.outputWidth * 2 <= KernelVector.scalarCount }

  /// Position vectors per output row, or output rows per two-row vector's pair.
  var vectorsPerRow: Int { (geometry.outputWidth + KernelVector.scalarCount - 1) / KernelVector.scalarCount }

  /// Position vectors covering output rows `rows`.
  func vectorCount(rows: Int) -> Int { twoRowVectors ? (rows + 1) / 2 : rows * vectorsPerRow }

  /// The tile that wastes the fewest FMAs on this shape: filters rounded up to its
  /// rows times one sample's position vectors rounded up to its vectors.
  var tile: any DirectTile.Type {
    let vectors = vectorCount(rows: geometry.outputHeight)
    let tiles: [any DirectTile.Type] = [DirectTileMedium.self, DirectTileWide.self, DirectTileNarrow.self]
    func cost(_ tile: any DirectTile.Type) -> Int {
      (filters + tile.rows - 1) / tile.rows * tile.rows * ((vectors + tile.vectors - 1) / tile.vectors * tile.vectors)
    }
    return tiles.min { cost($0) < cost($1) }!
  }

  /// `output[batch, filters, oh, ow]` = the convolution of `source` with `weight`,
  /// plus `bias` (per filter) and through a ReLU when `relu` is set, or added into
  /// `output` when `accumulate` is set. On the pool's threads when the
  /// calibration (``ComputePool/choosingThreads(_:_:)``) finds them faster.
  func run(
    output: UnsafeMutablePointer<Float>, source: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, relu: Bool, accumulate: Bool, batch: Int, pool: ComputePool
  ) {
    guard batch > 0, filters > 0, geometry.outputPositions > 0 else { return }
    let tile = self.tile
    switch (tile, twoRowVectors) {
    case (is DirectTileWide.Type, false):
      run(DirectTileWide.self, OneRowLoad.self, output, source, weight, bias, relu, accumulate, batch, pool)
    case (is DirectTileWide.Type, true):
      run(DirectTileWide.self, TwoRowLoad.self, output, source, weight, bias, relu, accumulate, batch, pool)
    case (is DirectTileMedium.Type, false):
      run(DirectTileMedium.self, OneRowLoad.self, output, source, weight, bias, relu, accumulate, batch, pool)
    case (is DirectTileMedium.Type, true):
      run(DirectTileMedium.self, TwoRowLoad.self, output, source, weight, bias, relu, accumulate, batch, pool)
    case (_, false):
      run(DirectTileNarrow.self, OneRowLoad.self, output, source, weight, bias, relu, accumulate, batch, pool)
    case (_, true):
      run(DirectTileNarrow.self, TwoRowLoad.self, output, source, weight, bias, relu, accumulate, batch, pool)
    }
  }

  private func run<Tile: DirectTile, Load: DirectPositionLoad>(
    _: Tile.Type, _: Load.Type, _ output: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, _ relu: Bool, _ accumulate: Bool, _ batch: Int,
    _ pool: ComputePool
  ) {
    let g = geometry
    let blocks = (filters + Tile.rows - 1) / Tile.rows
    let work = filters * g.columnRows * g.outputPositions * batch
    let threads = work >= WorkSplit.minimumParallelWork ? pool.threadCount : 1
    let run = { (threads: Int) in
      let split = DirectWorkSplit(
        g, batch: batch, blocks: blocks, tasks: threads, evenBands: Load.self == TwoRowLoad.self)
      let layout = DirectBandLayout(g, rows: split.rowsPerBand)
      let tasks = min(threads, split.units)
      pool.parallelFor(tasks) { task in
        self.convolve(
          Tile.self, Load.self, units: (split.units * task / tasks)..<(split.units * (task + 1) / tasks),
          split: split, layout: layout, output: output, source: source, weight: weight, bias: bias, relu: relu,
          accumulate: accumulate, workspace: pool.workspaces[task])
      }
    }
    guard threads > 1 else { return run(1) }
    let kernel = transposedWeights ? KernelShape.directInputGradient : KernelShape.directConvolution
    let shape = KernelShape(kernel: kernel, filters, g.outputPositions, g.columnRows, batch)
    pool.choosingThreads(shape) { parallel in run(parallel ? threads : 1) }
  }

  /// Units `units` of `split` on one thread, with the weights of the filter
  /// blocks they reach packed into the workspace.
  private func convolve<Tile: DirectTile, Load: DirectPositionLoad>(
    _: Tile.Type, _: Load.Type, units: Range<Int>, split: DirectWorkSplit, layout: DirectBandLayout,
    output: UnsafeMutablePointer<Float>, source: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, relu: Bool, accumulate: Bool, workspace: KernelWorkspace
  ) {
    guard !units.isEmpty else { return }
    let g = geometry
    let depth = g.columnRows
    let tileSize = Tile.rows * Tile.vectors * KernelVector.scalarCount
    workspace.reserve(packedA: split.blocks * depth * Tile.rows, packedB: layout.size, edgeTile: tileSize)
    let packed = workspace.packedA.pointer
    let band = workspace.packedB.pointer
    let tile = workspace.edgeTile.pointer
    let reached =
      split.blocks(ofGroup: split.unit(units.lowerBound).group)
      .lowerBound..<split.blocks(ofGroup: split.unit(units.upperBound - 1).group).upperBound
    packWeights(weight, rows: Tile.rows, blocks: reached, into: packed)
    let columns = UnsafeMutablePointer<Int>.allocate(capacity: g.kernelWidth)
    defer { columns.deallocate() }
    for j in 0..<g.kernelWidth {
      let (place, phase) = (j * g.dilationWidth).quotientAndRemainder(dividingBy: g.strideWidth)
      columns[j] = phase * layout.phaseWidth + place
    }
    let taps = DirectTileSource(
      input: band, channels: g.channels, channelStride: layout.channelStride, kernelHeight: g.kernelHeight,
      kernelWidth: g.kernelWidth, rowStep: g.dilationHeight * layout.rowStride, columns: columns,
      gap: g.strideHeight * layout.rowStride)
    let plane = g.outputPositions
    let lanes = KernelVector.scalarCount
    var padded = -1  // the `sample * bands + band` whose input `band` holds
    for unit in units {
      let (group, sample, bandIndex) = split.unit(unit)
      let firstRow = bandIndex * layout.outputRows
      let rows = min(layout.outputRows, g.outputHeight - firstRow)
      if padded != sample * split.bands + bandIndex {
        pad(source + sample * sourceSampleStride, firstRow: firstRow, layout: layout, into: band)
        padded = sample * split.bands + bandIndex
      }
      let vectors = vectorCount(rows: rows)
      for block in split.blocks(ofGroup: group) {
        let weights = packed + block * depth * Tile.rows
        let top = block * Tile.rows
        let sampleOutput = output + (sample * filters + top) * plane
        for first in stride(from: 0, to: vectors, by: Tile.vectors) {
          var (inputs, outputs, firstLanes, secondLanes) = (SIMD4<Int>(), SIMD4<Int>(), SIMD4<Int>(), SIMD4<Int>())
          for v in 0..<min(Tile.vectors, vectors - first) {
            let vector = first + v
            let (row, column) =
              Load.self == TwoRowLoad.self
              ? (2 * vector, 0) : (vector / vectorsPerRow, vector % vectorsPerRow * lanes)
            inputs[v] = row * g.strideHeight * layout.rowStride + column
            outputs[v] = (firstRow + row) * g.outputWidth + column
            firstLanes[v] = min(lanes, g.outputWidth - column)
            secondLanes[v] = Load.self == TwoRowLoad.self && row + 1 < rows ? g.outputWidth : 0
          }
          directMicroKernel(Tile.self, Load.self, weights: weights, source: taps, offsets: inputs, tile: tile)
          storeTile(
            Tile.self, tile, rows: min(Tile.rows, filters - top), vectors: min(Tile.vectors, vectors - first),
            outputs: outputs, firstLanes: firstLanes, secondLanes: secondLanes, into: sampleOutput, plane: plane,
            bias: bias.map { $0 + top },
            relu: relu, accumulate: accumulate)
        }
      }
    }
  }

  /// Writes the first `rows` x `vectors` vectors of `tile` onto the output planes
  /// (`plane` floats apart from `output`), with the bias and ReLU or added in:
  /// vector `v` goes to `output + outputs[v]`, its first `firstLanes[v]` lanes,
  /// then (a two-row vector) `secondLanes[v]` lanes from its upper half right
  /// after them (the next output row).
  @inline(__always)
  private func storeTile<Tile: DirectTile>(
    _: Tile.Type, _ tile: UnsafePointer<Float>, rows: Int, vectors: Int, outputs: SIMD4<Int>, firstLanes: SIMD4<Int>,
    secondLanes: SIMD4<Int>,
    into output: UnsafeMutablePointer<Float>, plane: Int, bias: UnsafePointer<Float>?, relu: Bool, accumulate: Bool
  ) {
    let lanes = KernelVector.scalarCount
    for r in 0..<rows {
      for v in 0..<vectors {
        var value = loadVector(tile + (r * Tile.vectors + v) * lanes)
        if let bias { value += KernelVector(repeating: bias[r]) }
        if relu { value.replace(with: 0, where: value .< 0) }
        let out = output + r * plane + outputs[v]
        let (first, second) = (firstLanes[v], secondLanes[v])
        if first == lanes || (2 * first == lanes && second == first) {
          storeVector(accumulate ? value + loadVector(out) : value, to: out)
        } else {
          for i in 0..<first { out[i] = accumulate ? out[i] + value[i] : value[i] }
          for i in 0..<second {
            out[first + i] = accumulate ? out[first + i] + value[lanes / 2 + i] : value[lanes / 2 + i]
          }
        }
      }
    }
  }

  /// Filter blocks `blocks` of the weights re-laid as `[block][c][i][j][rows]`,
  /// zero past the last filter.
  private func packWeights(
    _ weight: UnsafePointer<Float>, rows: Int, blocks: Range<Int>, into packed: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let (kh, kw) = (g.kernelHeight, g.kernelWidth)
    let taps = g.columnRows
    for block in blocks {
      for r in 0..<rows {
        let filter = block * rows + r
        let destination = packed + block * taps * rows + r
        guard filter < filters else {
          for tap in 0..<taps { destination[tap * rows] = 0 }
          continue
        }
        guard transposedWeights else {
          // `weight[filter]` is already in tap order.
          let source = weight + filter * taps
          for tap in 0..<taps { destination[tap * rows] = source[tap] }
          continue
        }
        for c in 0..<g.channels {
          // Tap `(c, i, j)` is `weight[c, filter, kh - 1 - i, kw - 1 - j]`: the window read backwards.
          let source = weight + (c * filters + filter + 1) * kh * kw - 1
          let first = destination + c * kh * kw * rows
          for tap in 0..<kh * kw { first[tap * rows] = source[-tap] }
        }
      }
    }
  }

  /// Copies the input rows under output rows `firstRow...` of one `sample` into
  /// `band` as ``DirectBandLayout`` lays them out, zeros in the padding, and
  /// zeroes the slack after them.
  private func pad(
    _ sample: UnsafePointer<Float>, firstRow: Int, layout: DirectBandLayout, into band: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let stride = g.strideWidth
    for c in 0..<g.channels {
      let plane = sample + c * sourceChannelStride
      for row in 0..<layout.inputRows {
        let destination = band + c * layout.channelStride + row * layout.rowStride
        let ih = firstRow * g.strideHeight + row - g.padTop
        guard ih >= 0 && ih < g.height else {
          destination.update(repeating: 0, count: layout.rowStride)
          continue
        }
        let input = plane + ih * g.width
        for phase in 0..<stride {
          let out = destination + phase * layout.phaseWidth
          let offset = phase - g.padLeft
          let valid = ConvolutionGeometry.validOutputs(
            offset: offset, stride: stride, size: g.width, count: layout.phaseWidth)
          out.update(repeating: 0, count: valid.lowerBound)
          if stride == 1 {
            (out + valid.lowerBound).update(from: input + valid.lowerBound + offset, count: valid.count)
          } else {
            for i in valid { out[i] = input[i * stride + offset] }
          }
          (out + valid.upperBound).update(repeating: 0, count: layout.phaseWidth - valid.upperBound)
        }
      }
    }
    (band + layout.channelStride * g.channels).update(repeating: 0, count: layout.slack)
  }
}

/// How one call of the direct convolution is cut into units of work: `groups`
/// groups of filter blocks x `batch` samples x `bands` bands of output rows, in
/// that order (group-major, so that the units one task takes reach few groups'
/// weights). One unit per sample when the batch gives each of `tasks` tasks one;
/// with fewer samples, each is cut first by filter blocks (every unit still runs
/// whole rows of position vectors, so no tile slot is lost), then by bands of
/// rows (`evenBands`: an even number of rows per band, for two-row vectors).
struct DirectWorkSplit {
  var batch: Int
  /// Filter blocks in all.
  var blocks: Int
  var groups: Int
  var bands: Int
  var rowsPerBand: Int

  init(_ g: ConvolutionGeometry, batch: Int, blocks: Int, tasks: Int, evenBands: Bool) {
    self.batch = batch
    self.blocks = blocks
    let parts = (tasks + batch - 1) / batch
    groups = min(blocks, parts)
    let wantedBands = min(g.outputHeight, (parts + groups - 1) / groups)
    rowsPerBand = (g.outputHeight + wantedBands - 1) / wantedBands
    if evenBands { rowsPerBand += rowsPerBand % 2 }
    bands = (g.outputHeight + rowsPerBand - 1) / rowsPerBand
  }

  var units: Int { groups * batch * bands }

  /// The group, sample and band of unit `unit`.
  func unit(_ unit: Int) -> (group: Int, sample: Int, band: Int) {
    let (group, rest) = unit.quotientAndRemainder(dividingBy: batch * bands)
    let (sample, band) = rest.quotientAndRemainder(dividingBy: bands)
    return (group, sample, band)
  }

  /// The filter blocks of group `group`.
  func blocks(ofGroup group: Int) -> Range<Int> {
    (blocks * group / groups)..<(blocks * (group + 1) / groups)
  }
}

/// How one band's padded input sits in a thread's workspace: per channel,
/// `inputRows` rows of `rowStride` floats, each row `strideWidth` column phases of
/// `phaseWidth` floats (phase `p` holds padded columns `p, p + s, p + 2s, ...`),
/// then `slack` zeros that a vector read past a row's last column may touch.
struct DirectBandLayout {
  /// Output rows per band.
  var outputRows: Int
  var inputRows: Int
  var phaseWidth: Int
  var rowStride: Int
  var channelStride: Int
  var slack: Int
  var size: Int

  init(_ g: ConvolutionGeometry, rows: Int) {
    outputRows = rows
    inputRows = (rows - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1
    let paddedWidth = (g.outputWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1
    phaseWidth = (paddedWidth + g.strideWidth - 1) / g.strideWidth
    rowStride = g.strideWidth * phaseWidth
    channelStride = inputRows * rowStride
    slack = 2 * KernelVector.scalarCount
    size = g.channels * channelStride + slack
  }
}

extension DirectConvolution {
  /// Whether the forward pass of this layer shape runs the direct convolution
  /// (``ConvolutionKernels/forwardPath(_:filters:groups:)``): ungrouped, with a
  /// window larger than 1x1. Measured with `ConvBench` (docs/PERFORMANCE.md), it
  /// ran ResNet-20's 3x3 layers and LeNet-5's 5x5 layers at 1.3-2.9x of the
  /// better GEMM path on one thread; ResNet's 1x1 stride-2 shortcut at 0.46x of
  /// the implicit GEMM (a 1x1 convolution is a plain GEMM), so 1x1 keeps the GEMM.
  static func appliesForward(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> Bool {
    groups == 1 && g.kernelHeight * g.kernelWidth > 1
  }

  /// Whether the input gradient of this layer shape runs the direct convolution
  /// (``ConvolutionKernels/usesDirectInputGradient(_:filters:groups:)``):
  /// ungrouped, stride 1 and a window larger than 1x1 (measured at 1.0-2.35x of
  /// im2col's `Wᵀ * dZ` GEMM + col2im on one thread, docs/PERFORMANCE.md).
  static func appliesInputGradient(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> Bool {
    groups == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.kernelHeight * g.kernelWidth > 1
  }
}
