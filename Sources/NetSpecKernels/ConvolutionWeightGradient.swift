/// The weight and bias gradients of an ungrouped convolution without a column
/// matrix: `dW[f, c, i, j]` = the sum over samples and output positions of
/// `dZ[n, f, oh, ow] * X[n, c, oh * sh + i * dh - padTop, ow * sw + j * dw - padLeft]`,
/// and `dBias[f]` = the sum of `dZ[n, f]`.
///
/// Per sample, the input is copied once into *shifted rows* (in the thread's
/// ``KernelWorkspace``): for each kernel column `j` and row phase `a` (`0..<sh`),
/// every channel's rows `m * sh + a` sampled at columns `ow * sw + j * dw - padLeft`,
/// zeros in the padding, `ow` wide. In that layout the input under tap
/// `(c, i, j)` for the output positions `0..<P` in row-major order is one
/// contiguous run (`i * dh = u * sh + a` selects the phase `a` and a shift of
/// `u` rows), so the sum over positions is a dot product of two contiguous
/// runs, with no branch for the padding. `dZ` is copied too (zero-padded to a
/// whole vector and to a whole filter tile; its bias sums are taken there).
/// ``WeightGradientTile`` then runs 4 filters x 6 taps at a time over a block
/// of samples (about ``blockPositions`` output positions, so that small planes
/// give long sums too) before it sums its vectors' lanes.
///
/// The batch is split into ``lanes`` fixed runs of samples whose sums are kept
/// apart (in the pool's ``CallScratch``, held for the whole call, so nothing is
/// allocated per call) and added in lane order at the end;
/// the threads take whole lanes, so the result is the same to the bit on any
/// number of threads.
public enum ConvolutionWeightGradient {
  /// Runs of samples whose sums are kept apart (fewer for a smaller batch).
  static let lanes = 4
  /// Output positions a block of samples aims at: a tile runs over them before
  /// its lanes are summed.
  static let blockPositions = 4096
  /// The most floats of shifted rows and `dZ` copies a thread keeps per block of
  /// samples (2 MiB, the L2 cache of one core of the machine it was tuned on).
  static let blockFloats = 1 << 19

  /// Whether ``accumulate(dWeight:dBias:x:dz:sampleStride:filterStride:batch:geometry:filters:accumulateWeight:accumulateBias:pool:)``
  /// computes this layer's gradients: ungrouped, with a real window (a 1x1
  /// convolution's columns are its input), at most 64 Ki weights (filters and
  /// taps rounded up to the tile; the lanes' sums are four times that), a sample
  /// whose copy fits in 2 MiB, and at least 1024 positions per block of samples,
  /// over which a tile runs before its lanes are summed. Measured (`ConvBench`,
  /// docs/PERFORMANCE.md): ResNet-20's 32x32 layers and LeNet-5's gain 1.3-2.7x
  /// over im2col + GEMM on one thread, while the 16x16 and 8x8 layers with 16-64
  /// channels (one to three samples per block, 256 or 64 positions each) ran at
  /// 0.43-0.81x, as did the 1x1 shortcut at 0.76x; those keep im2col + GEMM.
  public static func applies(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> Bool {
    let layout = Layout(g, filters: filters)
    return groups == 1 && g.kernelHeight * g.kernelWidth > 1
      && layout.paddedFilters * layout.paddedTaps <= 1 << 16 && layout.sampleFloats <= blockFloats
      && layout.samplesPerBlock * layout.paddedPositions >= 1024
  }

  /// Writes (or, with the `accumulate` flags, adds) `dWeight` (`[F, C * kh * kw]`)
  /// and `dBias` (`[F]`); either may be nil. `dz` holds plane `(n, f)` (`P` floats)
  /// at `dz + n * sampleStride + f * filterStride`, so both `[batch, F, P]` and
  /// `[F, batch * P]` orders are read. Split over lanes of samples on the pool
  /// when it beats the calling thread alone (``ComputePool/choosingThreads(_:_:)``).
  public static func accumulate(
    dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    dz: UnsafePointer<Float>, sampleStride: Int, filterStride: Int, batch: Int, geometry g: ConvolutionGeometry,
    filters: Int, accumulateWeight: Bool, accumulateBias: Bool, pool: ComputePool
  ) {
    guard dWeight != nil || dBias != nil, filters > 0 else { return }
    let layout = Layout(g, filters: filters)
    let lanes = max(1, min(Self.lanes, batch))
    let laneFloats = layout.paddedFilters * layout.paddedTaps + layout.paddedFilters
    pool.callScratch.withFloats(lanes * laneFloats) { sums in
      let source = Source(x: x, dz: dz, sampleStride: sampleStride, filterStride: filterStride)
      let tasks = min(pool.threadCount, lanes)
      let run = { (tasks: Int) in
        pool.parallelFor(tasks) { task in
          for lane in (lanes * task / tasks)..<(lanes * (task + 1) / tasks) {
            layout.sumLane(
              samples: (batch * lane / lanes)..<(batch * (lane + 1) / lanes), source, into: sums + lane * laneFloats,
              weights: dWeight != nil, workspace: pool.workspaces[task])
          }
        }
      }
      let work = filters * g.columnRows * g.outputPositions * batch
      if tasks > 1 && work >= WorkSplit.minimumParallelWork {
        let shape = KernelShape(
          kernel: KernelShape.convolutionWeightGradient, filters, g.columnRows, g.outputPositions, batch)
        pool.choosingThreads(shape) { parallel in run(parallel ? tasks : 1) }
      } else {
        run(1)
      }
      let (taps, rowStride) = (g.columnRows, layout.paddedTaps)
      for filter in 0..<filters {
        if let dWeight {
          for tap in 0..<taps {
            var total: Float = 0
            for lane in 0..<lanes { total += sums[lane * laneFloats + filter * rowStride + tap] }
            let dw = dWeight + filter * taps + tap
            dw.pointee = accumulateWeight ? dw.pointee + total : total
          }
        }
        if let dBias {
          var total: Float = 0
          for lane in 0..<lanes { total += sums[lane * laneFloats + layout.paddedFilters * rowStride + filter] }
          dBias[filter] = accumulateBias ? dBias[filter] + total : total
        }
      }
    }
  }

  /// Where the kernel reads `x` and `dZ`.
  struct Source {
    var x: UnsafePointer<Float>
    var dz: UnsafePointer<Float>
    var sampleStride: Int
    var filterStride: Int
  }

  /// The sizes of one layer's shifted rows, `dZ` copies and tiles.
  struct Layout {
    let g: ConvolutionGeometry
    let filters: Int
    /// Filters and taps rounded up to whole tiles.
    let paddedFilters: Int
    let paddedTaps: Int
    /// Output positions rounded up to a whole vector.
    let paddedPositions: Int
    /// Rows per channel and row phase in the shifted rows: `oh + ((kh - 1) * dh) / sh`.
    let phaseRows: Int
    /// Floats of one sample's shifted rows: `kw * sh * C * phaseRows * ow`.
    let shiftedFloats: Int
    /// Floats per sample in the workspace: shifted rows, then `dZ`
    /// (`paddedFilters x paddedPositions`).
    let sampleFloats: Int

    init(_ g: ConvolutionGeometry, filters: Int) {
      self.g = g
      self.filters = filters
      paddedFilters =
        (filters + WeightGradientTile.filters - 1) / WeightGradientTile.filters * WeightGradientTile.filters
      paddedTaps = (g.columnRows + WeightGradientTile.taps - 1) / WeightGradientTile.taps * WeightGradientTile.taps
      let lanes = KernelVector.scalarCount
      paddedPositions = (g.outputPositions + lanes - 1) / lanes * lanes
      phaseRows = g.outputHeight + (g.kernelHeight - 1) * g.dilationHeight / g.strideHeight
      shiftedFloats = g.kernelWidth * g.strideHeight * g.channels * phaseRows * g.outputWidth
      sampleFloats = shiftedFloats + paddedFilters * paddedPositions
    }

    /// Samples per block: ``ConvolutionWeightGradient/blockPositions`` output
    /// positions, as far as ``ConvolutionWeightGradient/blockFloats`` allows.
    var samplesPerBlock: Int {
      max(
        1,
        min(
          ConvolutionWeightGradient.blockPositions / paddedPositions,
          ConvolutionWeightGradient.blockFloats / sampleFloats))
    }

    /// The offset of tap `(c, i, j)`'s run in a sample's shifted rows; taps past
    /// the last (a ragged tile) read the first run, and their sums are dropped.
    /// A run is `oh * ow` floats and ends inside the shifted rows (`u + oh <=
    /// phaseRows`), so its last vector reads at most into the `dZ` copy after them.
    @inline(__always)
    func offset(tap: Int) -> Int {
      guard tap < g.columnRows else { return 0 }
      let (channelRow, j) = tap.quotientAndRemainder(dividingBy: g.kernelWidth)
      let (c, i) = channelRow.quotientAndRemainder(dividingBy: g.kernelHeight)
      let (u, a) = (i * g.dilationHeight).quotientAndRemainder(dividingBy: g.strideHeight)
      return (((j * g.strideHeight + a) * g.channels + c) * phaseRows + u) * g.outputWidth
    }

    /// Sums the products of `samples` into `sums` (`paddedFilters x paddedTaps`
    /// weight sums, then `paddedFilters` bias sums), which this overwrites;
    /// block by block of samples, on the calling thread.
    func sumLane(
      samples: Range<Int>, _ source: Source, into sums: UnsafeMutablePointer<Float>, weights: Bool,
      workspace: KernelWorkspace
    ) {
      sums.update(repeating: 0, count: paddedFilters * paddedTaps + paddedFilters)
      let block = min(samples.count, samplesPerBlock)
      workspace.reserve(packedA: 0, packedB: block * sampleFloats, edgeTile: 0)
      let scratch = workspace.packedB.pointer
      for first in stride(from: samples.lowerBound, to: samples.upperBound, by: block) {
        let count = min(block, samples.upperBound - first)
        for index in 0..<count {
          let sample = first + index
          let copy = scratch + index * sampleFloats
          shiftRows(source.x + sample * g.channels * g.height * g.width, into: copy)
          copyGradient(source, sample: sample, into: copy + shiftedFloats, biasSums: sums + paddedFilters * paddedTaps)
        }
        if weights { sumTiles(scratch, samples: count, into: sums) }
      }
    }

    /// Every tile's products over `samples` consecutive sample copies at `scratch`.
    private func sumTiles(_ scratch: UnsafePointer<Float>, samples: Int, into sums: UnsafeMutablePointer<Float>) {
      for firstTap in stride(from: 0, to: paddedTaps, by: WeightGradientTile.taps) {
        let offsets = (
          offset(tap: firstTap), offset(tap: firstTap + 1), offset(tap: firstTap + 2), offset(tap: firstTap + 3),
          offset(tap: firstTap + 4), offset(tap: firstTap + 5)
        )
        for firstFilter in stride(from: 0, to: paddedFilters, by: WeightGradientTile.filters) {
          WeightGradientTile.accumulate(
            dz: scratch + shiftedFloats + firstFilter * paddedPositions, dzStride: paddedPositions, x: scratch,
            sampleStride: sampleFloats, samples: samples, tapOffsets: offsets, count: paddedPositions,
            into: sums + firstFilter * paddedTaps + firstTap, stride: paddedTaps)
        }
      }
    }

    /// One sample's shifted rows: row `m` of channel `c`, column tap `j` and
    /// row phase `a` holds input row `m * sh + a - padTop` at columns
    /// `ow * sw + j * dw - padLeft`, zero outside the input.
    private func shiftRows(_ x: UnsafePointer<Float>, into copy: UnsafeMutablePointer<Float>) {
      let width = g.outputWidth
      let sampleSize = g.channels * g.height * g.width
      var row = copy
      for j in 0..<g.kernelWidth {
        let columnOffset = j * g.dilationWidth - g.padLeft
        let valid = ConvolutionGeometry.validOutputs(
          offset: columnOffset, stride: g.strideWidth, size: g.width, count: width)
        for a in 0..<g.strideHeight {
          for c in 0..<g.channels {
            for m in 0..<phaseRows {
              let ih = m * g.strideHeight + a - g.padTop
              if ih >= 0 && ih < g.height {
                let input = x + (c * g.height + ih) * g.width + columnOffset
                for ow in 0..<valid.lowerBound { row[ow] = 0 }
                if g.strideWidth == 1 {
                  copyRun(input + valid.lowerBound, row + valid.lowerBound, count: valid.count)
                } else {
                  let readable = sampleSize - ((c * g.height + ih) * g.width + columnOffset)
                  gather(input, into: row, valid: valid, readable: readable)
                }
                for ow in valid.upperBound..<width { row[ow] = 0 }
              } else {
                row.update(repeating: 0, count: width)
              }
              row += width
            }
          }
        }
      }
    }

    /// `row[ow] = input[ow * strideWidth]` for `ow` in `valid`, reading nothing at
    /// or past `input + readable` (the end of the sample); a stride of 2 by
    /// vectors of even lanes.
    @inline(__always)
    private func gather(
      _ input: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>, valid: Range<Int>, readable: Int
    ) {
      var ow = valid.lowerBound
      if g.strideWidth == 2 {
        while ow &+ 8 <= valid.upperBound && 2 &* ow &+ 16 <= readable {
          let pairs = UnsafeRawPointer(input + 2 &* ow).loadUnaligned(as: SIMD16<Float>.self)
          UnsafeMutableRawPointer(row + ow).storeBytes(of: pairs.evenHalf, as: SIMD8<Float>.self)
          ow &+= 8
        }
      }
      while ow < valid.upperBound {
        row[ow] = input[ow &* g.strideWidth]
        ow &+= 1
      }
    }

    /// Copies the sample's `dZ` planes, zero-padded to `paddedPositions` and to
    /// `paddedFilters` planes, and adds each plane's sum to `biasSums[f]`.
    private func copyGradient(
      _ source: Source, sample: Int, into copy: UnsafeMutablePointer<Float>, biasSums: UnsafeMutablePointer<Float>
    ) {
      let positions = g.outputPositions
      for filter in 0..<paddedFilters {
        let plane = copy + filter * paddedPositions
        if filter < filters {
          let dz = source.dz + sample * source.sampleStride + filter * source.filterStride
          copyRun(dz, plane, count: positions)
          (plane + positions).update(repeating: 0, count: paddedPositions - positions)
          biasSums[filter] += Reductions.sum(dz, count: positions)
        } else {
          plane.update(repeating: 0, count: paddedPositions)
        }
      }
    }
  }
}
