/// A channel's normalization as an affine map, `(x - mean) * scale + shift`,
/// a vector at a time: the forward store and the backward pass's ReLU mask
/// compute it with this one expression, so the mask agrees with the stored
/// output bit for bit.
struct ChannelAffine {
  let mean: KernelVector
  let scale: KernelVector
  let shift: KernelVector

  init(mean: Float, scale: Float, shift: Float) {
    self.mean = KernelVector(repeating: mean)
    self.scale = KernelVector(repeating: scale)
    self.shift = KernelVector(repeating: shift)
  }

  @inline(__always)
  func callAsFunction(_ x: KernelVector) -> KernelVector { multiplyAdd(shift, x - mean, scale) }

  /// `g` where the fused ReLU's output at `x` is positive, 0 elsewhere.
  @inline(__always)
  func masked(_ g: KernelVector, at x: KernelVector) -> KernelVector {
    g.replacing(with: 0, where: .!(self(x) .> 0))
  }
}

/// A channel's input gradient `dx = a * g + b * (x - mean) + c0`.
struct InputGradientTerms {
  let a: Float
  let b: Float
  let c0: Float
}

extension BatchNormKernels {
  /// Floats of a plane whose statistics are taken together, reading them twice
  /// (their sum, then their deviations from their own mean) while they stay in
  /// L1: 16 KiB.
  static let statisticsBlock = 4096

  /// The mean and the sum of squared deviations from it of `planes` planes of
  /// `positions` floats, `planeStride` apart, reading each float from memory
  /// once. Each block of at most ``statisticsBlock`` floats gives its exact
  /// mean and squared deviations from two passes in L1 (the second about the
  /// float mean of the first, corrected by the deviations' sum), and the blocks
  /// combine in Double about the first block's mean, so neither a large mean
  /// against the spread nor a long channel loses precision.
  @inline(__always)
  static func statistics(_ x: UnsafePointer<Float>, planeStride: Int, planes: Int, positions: Int) -> (
    mean: Double, squares: Double
  ) {
    var reference = 0.0
    var (squares, shiftedSum, shiftedSquares) = (0.0, 0.0, 0.0)
    for n in 0..<planes {
      var start = 0
      while start < positions {
        let block = x + n * planeStride + start
        let length = min(statisticsBlock, positions - start)
        let size = Double(length)
        let center = Reductions.sum(block, count: length) / Float(length)
        let deviations = Reductions.deviationSums(block, from: center, count: length)
        let (deviationSum, deviationSquares) = (Double(deviations.sum), Double(deviations.squares))
        let blockMean = Double(center) + deviationSum / size
        squares += deviationSquares - deviationSum * deviationSum / size
        if n == 0 && start == 0 { reference = blockMean }
        let offset = blockMean - reference
        shiftedSum += size * offset
        shiftedSquares += size * offset * offset
        start += length
      }
    }
    let total = Double(planes * positions)
    let mean = reference + shiftedSum / total
    return (mean, max(0, squares + shiftedSquares - shiftedSum * shiftedSum / total))
  }

  /// `y = affine(x)`, or `max(affine(x), 0)` with `relu`, over `count` floats.
  @inline(__always)
  static func normalize(
    _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, _ affine: ChannelAffine, relu: Bool
  ) {
    VectorMath.map(x, y, count: count) { v in
      let value = affine(v)
      return relu ? value.replacing(with: 0, where: value .< 0) : value
    }
  }

  /// `sum(g)` and `sum((x - mean) * g)` over `count` floats in one pass, with
  /// `g = dy`, or `dy` masked by the fused ReLU with `relu`.
  @inline(__always)
  static func gradientSums(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, count: Int, _ affine: ChannelAffine, relu: Bool
  ) -> (sum: Float, centeredDot: Float) {
    let lanes = KernelVector.scalarCount
    var sums = (KernelVector(), KernelVector())
    var dots = (KernelVector(), KernelVector())
    var i = 0
    while i + 2 * lanes <= count {
      let (x0, x1) = (loadVector(x + i), loadVector(x + i + lanes))
      var (g0, g1) = (loadVector(dy + i), loadVector(dy + i + lanes))
      if relu { (g0, g1) = (affine.masked(g0, at: x0), affine.masked(g1, at: x1)) }
      sums.0 += g0
      sums.1 += g1
      dots.0 = multiplyAdd(dots.0, x0 - affine.mean, g0)
      dots.1 = multiplyAdd(dots.1, x1 - affine.mean, g1)
      i += 2 * lanes
    }
    while i < count {
      // The tail, zero-padded: padded lanes add 0 (g is 0 there).
      let length = min(lanes, count - i)
      let xv = VectorMath.loadTail(x + i, length)
      var g = VectorMath.loadTail(dy + i, length)
      if relu { g = affine.masked(g, at: xv) }
      sums.0 += g
      dots.0 = multiplyAdd(dots.0, xv - affine.mean, g)
      i += length
    }
    return ((sums.0 + sums.1).sum(), (dots.0 + dots.1).sum())
  }

  /// `dx = a * g + b * (x - mean) + c0` over `count` floats (added into `dx`
  /// with `add`), with `g = dy`, or `dy` masked by the fused ReLU with `relu`.
  @inline(__always)
  static func inputGradient(
    _ dx: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ count: Int,
    _ affine: ChannelAffine, _ terms: InputGradientTerms, relu: Bool, add: Bool
  ) {
    let lanes = KernelVector.scalarCount
    let (a, b, c0) = (
      KernelVector(repeating: terms.a), KernelVector(repeating: terms.b), KernelVector(repeating: terms.c0)
    )
    @inline(__always) func value(_ xv: KernelVector, _ dyv: KernelVector) -> KernelVector {
      let g = relu ? affine.masked(dyv, at: xv) : dyv
      return multiplyAdd(multiplyAdd(c0, b, xv - affine.mean), a, g)
    }
    var i = 0
    while i + lanes <= count {
      var v = value(loadVector(x + i), loadVector(dy + i))
      if add { v += loadVector(dx + i) }
      storeVector(v, to: dx + i)
      i += lanes
    }
    guard i < count else { return }
    let length = count - i
    var v = value(VectorMath.loadTail(x + i, length), VectorMath.loadTail(dy + i, length))
    if add { v += VectorMath.loadTail(dx + i, length) }
    VectorMath.storeTail(v, dx + i, length)
  }
}
