/// The geometry of a 2-D convolution over `[C, H, W]` samples, and the im2col and
/// col2im transforms that turn the convolution of a whole batch into GEMMs.
///
/// The column matrix of a batch is `[C * kh * kw, batch * P]` (`P = oh * ow`
/// output positions), row-major: row `(c * kh + i) * kw + j` holds, for every
/// sample and output position, the input value under kernel tap `(i, j)` of
/// channel `c`, or zero where the tap falls in the padding. Samples sit side by
/// side, so one GEMM covers the batch: `Y[F, batch * P] = W[F, C * kh * kw] * columns`
/// (one GEMM per group, on the group's block of rows).
public struct ConvolutionGeometry: Sendable, Hashable {
  /// Input channels, height and width of one sample.
  public var channels: Int
  public var height: Int
  public var width: Int
  /// Kernel taps along the height and the width.
  public var kernelHeight: Int
  public var kernelWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  public var dilationHeight: Int
  public var dilationWidth: Int
  /// Zero padding before the first row and column (the padding after them only
  /// shows in the output size).
  public var padTop: Int
  public var padLeft: Int
  public var outputHeight: Int
  public var outputWidth: Int

  public init(
    channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int),
    padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int
  ) {
    self.channels = channels
    self.height = height
    self.width = width
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    (dilationHeight, dilationWidth) = dilation
    self.padTop = padTop
    self.padLeft = padLeft
    self.outputHeight = outputHeight
    self.outputWidth = outputWidth
  }

  /// Output positions per channel: `oh * ow`.
  public var outputPositions: Int { outputHeight * outputWidth }
  /// Rows of the column matrix: `C * kh * kw`.
  public var columnRows: Int { channels * kernelHeight * kernelWidth }

  /// The output indices `o` in `0..<count` whose input index `o * stride + offset`
  /// lies in `0..<size`.
  @inline(__always)
  static func validOutputs(offset: Int, stride: Int, size: Int, count: Int) -> Range<Int> {
    let lower = offset >= 0 ? 0 : min(count, (stride - 1 - offset) / stride)
    let last = size - 1 - offset
    let upper = last < 0 ? 0 : min(count, last / stride + 1)
    return lower..<max(lower, upper)
  }

  /// Fills `columns` (`[C * kh * kw, batch * P]`) from `x` (`[batch, C, H, W]`).
  public func im2col(
    _ x: UnsafePointer<Float>, batch: Int, into columns: UnsafeMutablePointer<Float>, pool: ComputePool
  ) {
    nonisolated(unsafe) let x = x
    nonisolated(unsafe) let columns = columns
    let rows = columnRows
    // One unit of work: one row of the column matrix for one sample.
    pool.parallelRanges(rows * batch, grain: max(1, 16_384 / max(1, outputPositions))) { units in
      for unit in units {
        let (row, sample) = unit.quotientAndRemainder(dividingBy: batch)
        expand(row: row, sample: sample, batch: batch, x, columns)
      }
    }
  }

  private func expand(
    row: Int, sample: Int, batch: Int, _ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>
  ) {
    let (channelTap, j) = row.quotientAndRemainder(dividingBy: kernelWidth)
    let (channel, i) = channelTap.quotientAndRemainder(dividingBy: kernelHeight)
    let plane = x + (sample * channels + channel) * height * width
    let destination = columns + row * batch * outputPositions + sample * outputPositions
    let columnOffset = j * dilationWidth - padLeft
    let valid = Self.validOutputs(offset: columnOffset, stride: strideWidth, size: width, count: outputWidth)
    for oh in 0..<outputHeight {
      let out = destination + oh * outputWidth
      let ih = oh * strideHeight + i * dilationHeight - padTop
      guard ih >= 0 && ih < height else {
        for ow in 0..<outputWidth { out[ow] = 0 }
        continue
      }
      let source = plane + ih * width
      for ow in 0..<valid.lowerBound { out[ow] = 0 }
      if strideWidth == 1 {
        copyRun(source + valid.lowerBound + columnOffset, out + valid.lowerBound, count: valid.count)
      } else {
        for ow in valid { out[ow] = source[ow * strideWidth + columnOffset] }
      }
      for ow in valid.upperBound..<outputWidth { out[ow] = 0 }
    }
  }

  /// Scatters `columns` (`[C * kh * kw, batch * P]`) back onto `dx`
  /// (`[batch, C, H, W]`), summing where windows overlap: the adjoint of
  /// ``im2col(_:batch:into:pool:)``. Adds into `dx` when `accumulate` is set,
  /// otherwise overwrites it.
  public func col2im(
    _ columns: UnsafePointer<Float>, batch: Int, into dx: UnsafeMutablePointer<Float>, accumulate: Bool,
    pool: ComputePool
  ) {
    nonisolated(unsafe) let columns = columns
    nonisolated(unsafe) let dx = dx
    let taps = kernelHeight * kernelWidth
    // One unit of work: one input plane (sample, channel); planes never share writes.
    pool.parallelRanges(batch * channels, grain: max(1, 16_384 / max(1, taps * outputPositions))) { planes in
      for plane in planes {
        let (sample, channel) = plane.quotientAndRemainder(dividingBy: channels)
        let destination = dx + plane * height * width
        if !accumulate { destination.update(repeating: 0, count: height * width) }
        for tap in 0..<taps {
          gather(row: channel * taps + tap, sample: sample, batch: batch, columns, destination)
        }
      }
    }
  }

  private func gather(
    row: Int, sample: Int, batch: Int, _ columns: UnsafePointer<Float>, _ plane: UnsafeMutablePointer<Float>
  ) {
    let (i, j) = (row % (kernelHeight * kernelWidth)).quotientAndRemainder(dividingBy: kernelWidth)
    let source = columns + row * batch * outputPositions + sample * outputPositions
    let columnOffset = j * dilationWidth - padLeft
    let valid = Self.validOutputs(offset: columnOffset, stride: strideWidth, size: width, count: outputWidth)
    let validRows = Self.validOutputs(
      offset: i * dilationHeight - padTop, stride: strideHeight, size: height, count: outputHeight)
    for oh in validRows {
      let ih = oh * strideHeight + i * dilationHeight - padTop
      let input = plane + ih * width
      let gradient = source + oh * outputWidth
      if strideWidth == 1 {
        addRun(gradient + valid.lowerBound, input + valid.lowerBound + columnOffset, count: valid.count)
      } else {
        for ow in valid { input[ow * strideWidth + columnOffset] += gradient[ow] }
      }
    }
  }
}

// Rows of output positions are short (10 to 60 floats in small networks), so a
// `memcpy` call or a loop that vectorizes only after an overlap check costs more
// than the copy itself; these move them in 8-float vectors.

/// `destination[0..<count] = source[0..<count]`; the last vector may overlap the
/// one before it.
@inline(__always)
func copyRun(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
  guard count >= 8 else {
    for i in 0..<count { destination[i] = source[i] }
    return
  }
  var i = 0
  while i + 8 <= count {
    storeRun(loadRun(source + i), destination + i)
    i += 8
  }
  if i < count { storeRun(loadRun(source + count - 8), destination + count - 8) }
}

/// `destination[0..<count] += source[0..<count]`.
@inline(__always)
private func addRun(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    storeRun(loadRun(destination + i) + loadRun(source + i), destination + i)
    i += 8
  }
  while i < count {
    destination[i] += source[i]
    i += 1
  }
}

@inline(__always)
private func loadRun(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func storeRun(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
