/// How two operands `a` and `b` of an element-wise op line up with the index
/// space they are iterated over (NumPy broadcasting, per sample): every
/// operand has the iteration space's rank, and each of its dims equals the
/// space's or is 1 (broadcast). Runs of axes on which every operand is either
/// full or broadcast are merged, so `[C, H, W]` against `[C, 1, 1]` becomes a
/// two-axis space `[C, H*W]` whose inner runs are contiguous.
///
/// ```swift
/// let g = BroadcastGeometry(space: [4, 3, 3], a: [4, 3, 3], b: [4, 1, 1])
/// g.dims       // [4, 9]
/// g.bStrides   // [1, 0]
/// ```
public struct BroadcastGeometry: Sendable, Hashable {
  /// The merged dims of the iteration space, outermost first (`[1]` for a scalar space).
  public let dims: [Int]
  /// `a`'s stride along each merged dim (0 where `a` is broadcast).
  public let aStrides: [Int]
  /// `b`'s stride along each merged dim (0 where `b` is broadcast).
  public let bStrides: [Int]
  /// Elements per sample of the iteration space, of `a` and of `b`.
  public let count: Int
  public let aCount: Int
  public let bCount: Int

  /// The geometry of `a` and `b` (per-sample shapes of the space's rank, each
  /// dim equal to the space's or 1) over `space`.
  public init(space: [Int], a: [Int], b: [Int]) {
    precondition(a.count == space.count && b.count == space.count, "operands must have the space's rank")
    // Per kept axis: its size and whether a and b span it (true) or repeat along it.
    var merged: [(size: Int, a: Bool, b: Bool)] = []
    for (axis, size) in space.enumerated() where size > 1 {
      let spansA = a[axis] == size
      let spansB = b[axis] == size
      if let last = merged.last, last.a == spansA, last.b == spansB {
        merged[merged.count - 1].size *= size
      } else {
        merged.append((size, spansA, spansB))
      }
    }
    if merged.isEmpty { merged = [(1, true, true)] }
    let sizes = merged.map(\.size)
    func strides(_ spans: [Bool]) -> [Int] {
      var result = [Int](repeating: 0, count: spans.count)
      var stride = 1
      for axis in spans.indices.reversed() where spans[axis] {
        result[axis] = stride
        stride *= sizes[axis]
      }
      return result
    }
    dims = sizes
    aStrides = strides(merged.map(\.a))
    bStrides = strides(merged.map(\.b))
    count = space.reduce(1, *)
    aCount = a.reduce(1, *)
    bCount = b.reduce(1, *)
  }

  /// True when both operands span the whole space (no broadcasting), so
  /// element `e` of the output reads element `e` of each.
  public var isElementwise: Bool { aCount == count && bCount == count }

  /// Calls `body(offset, aOffset, bOffset)` for each run along the innermost
  /// merged dim, over the samples `samples`, in row-major order of the space; the
  /// run has `dims.last` elements, at strides 1, `aStrides.last` and
  /// `bStrides.last`.
  @inline(__always)
  func forEachRun(samples: Range<Int>, _ body: (Int, Int, Int) -> Void) {
    let outer = dims.count - 1
    let runs = dims.dropLast().reduce(1, *)
    let inner = dims[outer]
    for sample in samples {
      var index = [Int](repeating: 0, count: outer)
      var aOffset = sample * aCount
      var bOffset = sample * bCount
      for run in 0..<runs {
        body(sample * count + run * inner, aOffset, bOffset)
        var axis = outer - 1
        while axis >= 0 {
          index[axis] += 1
          aOffset += aStrides[axis]
          bOffset += bStrides[axis]
          if index[axis] < dims[axis] { break }
          aOffset -= aStrides[axis] * dims[axis]
          bOffset -= bStrides[axis] * dims[axis]
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }
}

/// The binary arithmetic of the merge ops (`add`, `subtract`, `multiply`,
/// `divide`), as `a op b`.
public enum BinaryOperation: Sendable, Hashable {
  case add, subtract, multiply, divide

  /// This operation as a Swift expression, for emitted code (`.add`).
  public var swiftLiteral: String {
    switch self {
    case .add: ".add"
    case .subtract: ".subtract"
    case .multiply: ".multiply"
    case .divide: ".divide"
    }
  }

  @inline(__always)
  func apply(_ a: Float, _ b: Float) -> Float {
    switch self {
    case .add: a + b
    case .subtract: a - b
    case .multiply: a * b
    case .divide: a / b
    }
  }

  /// d(a op b)/d operand, times `dy`: operand 0 is `a`, 1 is `b`.
  @inline(__always)
  func gradient(_ dy: Float, _ a: Float, _ b: Float, operand: Int) -> Float {
    switch (self, operand) {
    case (.add, _), (.subtract, 0): dy
    case (.subtract, _): -dy
    case (.multiply, 0): dy * b
    case (.multiply, _): dy * a
    case (.divide, 0): dy / b
    case (.divide, _): -dy * a / (b * b)
    }
  }
}

/// Element-wise arithmetic of operands of different shapes (NumPy
/// broadcasting over a ``BroadcastGeometry``), the sums that reduce a gradient
/// to a broadcast operand's shape, and arithmetic with a scalar. Same-shaped
/// operands take ``ElementwiseKernels`` instead, which need no index arithmetic.
///
/// ``forward(_:y:a:b:batch:geometry:pool:)`` and the gradient
/// ``backward(_:dx:dy:a:b:operand:batch:geometry:accumulate:pool:)`` spread
/// their work over a pool: same-shaped operands in parts of whole vectors,
/// broadcast ones by samples (each sample's outputs are its own), so every
/// element is computed the same way whatever the thread count.
public enum BroadcastKernels {
  /// Samples per task when a broadcast pass is split by sample: about
  /// ``ComputePool/elementGrain`` elements.
  private static func sampleGrain(_ g: BroadcastGeometry) -> Int {
    max(1, ComputePool.elementGrain / max(1, g.count))
  }

  /// `y = a op b` over the geometry's space (`y` has its shape); `y` may be `a`
  /// when `a` spans the whole space.
  public static func forward(
    _ operation: BinaryOperation, y: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
    b: UnsafePointer<Float>, batch: Int, geometry g: BroadcastGeometry, pool: ComputePool
  ) {
    if g.isElementwise {
      pool.parallelElements(batch * g.count) { range in
        switch operation {
        case .add: for e in range { y[e] = a[e] + b[e] }
        case .subtract: for e in range { y[e] = a[e] - b[e] }
        case .multiply: for e in range { y[e] = a[e] * b[e] }
        case .divide: for e in range { y[e] = a[e] / b[e] }
        }
      }
      return
    }
    let inner = g.dims.last!
    let (sa, sb) = (g.aStrides.last!, g.bStrides.last!)
    pool.calibratedRanges(batch, grain: sampleGrain(g)) { samples in
      g.forEachRun(samples: samples) { o, ia, ib in
        for e in 0..<inner { y[o + e] = operation.apply(a[ia + e * sa], b[ib + e * sb]) }
      }
    }
  }

  /// The gradient of operand `operand` (0 for `a`, 1 for `b`) of `y = a op b`:
  /// `dy` times the partial derivative, summed over the axes the operand is
  /// broadcast along; `dx` has the operand's shape and is added into when
  /// `accumulate` is set.
  public static func backward(
    _ operation: BinaryOperation, dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, operand: Int, batch: Int, geometry g: BroadcastGeometry,
    accumulate: Bool, pool: ComputePool
  ) {
    if g.isElementwise {
      pool.parallelElements(batch * g.count) { range in
        for e in range {
          let value = operation.gradient(dy[e], a[e], b[e], operand: operand)
          dx[e] = accumulate ? dx[e] + value : value
        }
      }
      return
    }
    let operandCount = operand == 0 ? g.aCount : g.bCount
    let inner = g.dims.last!
    let (sa, sb) = (g.aStrides.last!, g.bStrides.last!)
    let sx = operand == 0 ? sa : sb
    pool.calibratedRanges(batch, grain: sampleGrain(g)) { samples in
      if !accumulate {
        (dx + samples.lowerBound * operandCount).update(repeating: 0, count: samples.count * operandCount)
      }
      g.forEachRun(samples: samples) { o, ia, ib in
        let ix = operand == 0 ? ia : ib
        for e in 0..<inner {
          dx[ix + e * sx] += operation.gradient(dy[o + e], a[ia + e * sa], b[ib + e * sb], operand: operand)
        }
      }
    }
  }

  /// `y[j] = scale * (sum of x over the elements that broadcast to j)`: `x`
  /// spans the geometry's space as `a`, `y` has `b`'s shape (a reduction, or a
  /// gradient reduced to a broadcast operand); added into `y` when `accumulate`
  /// is set.
  public static func sum(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, scale: Float, batch: Int,
    geometry g: BroadcastGeometry, accumulate: Bool
  ) {
    if !accumulate { y.update(repeating: 0, count: batch * g.bCount) }
    let inner = g.dims.last!
    let (sa, sb) = (g.aStrides.last!, g.bStrides.last!)
    g.forEachRun(samples: 0..<batch) { _, ia, ib in
      if sb == 0 && sa == 1 {
        y[ib] += scale * Reductions.sum(x + ia, count: inner)
      } else {
        for e in 0..<inner { y[ib + e * sb] += scale * x[ia + e * sa] }
      }
    }
  }

  /// `y[i] = scale * x[j]` for every element `i` of the space that `x` (of
  /// `b`'s shape) broadcasts to; `y` spans the space as `a`; added into `y`
  /// when `accumulate` is set (the gradient of a sum or mean).
  public static func expand(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, scale: Float, batch: Int,
    geometry g: BroadcastGeometry, accumulate: Bool
  ) {
    let inner = g.dims.last!
    let (sa, sb) = (g.aStrides.last!, g.bStrides.last!)
    g.forEachRun(samples: 0..<batch) { _, ia, ib in
      for e in 0..<inner {
        let value = scale * x[ib + e * sb]
        y[ia + e * sa] = accumulate ? y[ia + e * sa] + value : value
      }
    }
  }

  /// `y = x op scalar` for `count` elements; `y` may be `x`.
  public static func scalarForward(
    _ operation: BinaryOperation, y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, scalar: Float,
    count: Int, pool: ComputePool
  ) {
    pool.parallelElements(count) { range in
      for e in range { y[e] = operation.apply(x[e], scalar) }
    }
  }

  /// The gradient of `x` in `y = x op scalar`: `dy` (add, subtract), `dy *
  /// scalar` or `dy / scalar`; added into `dx` when `accumulate` is set.
  public static func scalarBackward(
    _ operation: BinaryOperation, dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, scalar: Float,
    count: Int, accumulate: Bool, pool: ComputePool
  ) {
    pool.parallelElements(count) { range in
      for e in range {
        let value = operation.gradient(dy[e], 0, scalar, operand: 0)
        dx[e] = accumulate ? dx[e] + value : value
      }
    }
  }
}
