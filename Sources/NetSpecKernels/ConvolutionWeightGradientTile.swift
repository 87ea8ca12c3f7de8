/// The register tile of ``ConvolutionWeightGradient``: ``filters`` x ``taps``
/// sums of products, each kept as a vector of partial sums over
/// `KernelVector.scalarCount` output positions (24 accumulators with AVX-512).
/// Per vector of positions it loads one `dZ` vector per filter and one input
/// vector per tap, and runs one FMA per pair; the lanes are summed once, when
/// the tile is stored. The accumulators are locals of one function that runs
/// the whole block of samples, so that they stay in registers.
enum WeightGradientTile {
  /// Filters per tile.
  static let filters = 4
  /// Taps per tile.
  static let taps = 6

  /// Adds to `sums[r * stride + t]` the sum over the samples `s` in `0..<samples`
  /// and the positions `q` in `0..<count` of `dz[s * sampleStride + r * dzStride + q]`
  /// times `x[s * sampleStride + tapOffsets.t + q]`; `count` is a multiple of
  /// `KernelVector.scalarCount`.
  @inline(__always)
  static func accumulate(
    dz: UnsafePointer<Float>, dzStride: Int, x: UnsafePointer<Float>, sampleStride: Int, samples: Int,
    tapOffsets o: (Int, Int, Int, Int, Int, Int), count: Int, into sums: UnsafeMutablePointer<Float>, stride: Int
  ) {
    var t0 = TapSums(), t1 = TapSums(), t2 = TapSums(), t3 = TapSums(), t4 = TapSums(), t5 = TapSums()
    var (dz, x) = (dz, x)
    for _ in 0..<samples {
      let (d0, d1, d2, d3) = (dz, dz + dzStride, dz + 2 * dzStride, dz + 3 * dzStride)
      let (x0, x1, x2, x3, x4, x5) = (x + o.0, x + o.1, x + o.2, x + o.3, x + o.4, x + o.5)
      var q = 0
      while q < count {
        let g = FilterVectors(d0 + q, d1 + q, d2 + q, d3 + q)
        t0.accumulate(loadVector(x0 + q), g)
        t1.accumulate(loadVector(x1 + q), g)
        t2.accumulate(loadVector(x2 + q), g)
        t3.accumulate(loadVector(x3 + q), g)
        t4.accumulate(loadVector(x4 + q), g)
        t5.accumulate(loadVector(x5 + q), g)
        q += KernelVector.scalarCount
      }
      dz += sampleStride
      x += sampleStride
    }
    t0.add(to: sums, stride: stride)
    t1.add(to: sums + 1, stride: stride)
    t2.add(to: sums + 2, stride: stride)
    t3.add(to: sums + 3, stride: stride)
    t4.add(to: sums + 4, stride: stride)
    t5.add(to: sums + 5, stride: stride)
  }

  /// One vector of `dZ` per filter of the tile.
  struct FilterVectors {
    var f0, f1, f2, f3: KernelVector

    @inline(__always)
    init(_ d0: UnsafePointer<Float>, _ d1: UnsafePointer<Float>, _ d2: UnsafePointer<Float>, _ d3: UnsafePointer<Float>)
    {
      (f0, f1, f2, f3) = (loadVector(d0), loadVector(d1), loadVector(d2), loadVector(d3))
    }
  }

  /// One tap's accumulators, one per filter of the tile.
  struct TapSums {
    private var f0 = KernelVector(), f1 = KernelVector(), f2 = KernelVector(), f3 = KernelVector()

    /// `self += x * g`, filter by filter.
    @inline(__always)
    mutating func accumulate(_ x: KernelVector, _ g: FilterVectors) {
      f0 = multiplyAdd(f0, g.f0, x)
      f1 = multiplyAdd(f1, g.f1, x)
      f2 = multiplyAdd(f2, g.f2, x)
      f3 = multiplyAdd(f3, g.f3, x)
    }

    /// Adds filter `r`'s lane sum to `column[r * stride]`.
    @inline(__always)
    func add(to column: UnsafeMutablePointer<Float>, stride: Int) {
      column[0] += total(f0)
      column[stride] += total(f1)
      column[2 * stride] += total(f2)
      column[3 * stride] += total(f3)
    }

    /// The sum of a vector's lanes as a tree of halves (`sum()` adds lane by lane).
    @inline(__always)
    private func total(_ v: KernelVector) -> Float {
      #if NETSPEC_AVX512
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
      #elseif NETSPEC_FMA || arch(arm64)
        let four = v.lowHalf + v.highHalf
      #else
        let four = v
      #endif
      return (four[0] + four[2]) + (four[1] + four[3])
    }
  }
}
