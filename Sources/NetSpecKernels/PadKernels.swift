/// What ``PadKernels`` writes in the border: PyTorch's `F.pad` modes.
public enum PadMode: Sendable, Equatable {
  /// A constant value.
  case constant
  /// The input mirrored at its edge, the edge itself not repeated
  /// (`[a, b, c]` padded by 2 on the left is `[c, b, a, b, c]`).
  case reflect
  /// The edge value repeated.
  case replicate

  /// The Swift literal of this mode, for emitted code.
  public var swiftLiteral: String {
    switch self {
    case .constant: ".constant"
    case .reflect: ".reflect"
    case .replicate: ".replicate"
    }
  }

  /// The input position output position `o` reads along an axis of `size`
  /// input positions with `before` positions of padding before them, or nil
  /// for the constant border.
  @inline(__always)
  public func source(_ o: Int, size: Int, before: Int) -> Int? {
    let i = o - before
    if i >= 0 && i < size { return i }
    switch self {
    case .constant: return nil
    case .replicate: return i < 0 ? 0 : size - 1
    case .reflect: return i < 0 ? -i : 2 * (size - 1) - i
    }
  }
}

/// The per-side padding of one `[height, width]` plane, PyTorch's `F.pad` over
/// the last two axes (a 1-d pad is a plane of height 1 with no rows added).
public struct PadGeometry: Sendable, Equatable {
  public var height: Int
  public var width: Int
  public var top: Int
  public var bottom: Int
  public var left: Int
  public var right: Int

  public init(height: Int, width: Int, top: Int, bottom: Int, left: Int, right: Int) {
    self.height = height
    self.width = width
    self.top = top
    self.bottom = bottom
    self.left = left
    self.right = right
  }

  public var outputHeight: Int { height + top + bottom }
  public var outputWidth: Int { width + left + right }

  /// The Swift literal of this geometry, for emitted code.
  public var swiftLiteral: String {
    "PadGeometry(height: \(height), width: \(width), top: \(top), bottom: \(bottom), left: \(left), right: \(right))"
  }
}

/// Constant, reflect and replicate padding of the `[height, width]` planes of
/// `[planes, height, width]`: the interpreter's `pad` op and emitted code both
/// call these. Planes run in parallel.
public enum PadKernels {
  /// Each output pixel from the input pixel `mode` reads, or `value` in a
  /// constant border.
  public static func forward(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, planes: Int, geometry g: PadGeometry, mode: PadMode,
    value: Float, pool: ComputePool
  ) {
    nonisolated(unsafe) let (x, y) = (x, y)
    let (inputPlane, outputPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
    pool.parallelRanges(planes, grain: max(1, 16_384 / outputPlane)) { planeRange in
      for plane in planeRange {
        let (x, y) = (x + plane * inputPlane, y + plane * outputPlane)
        for oh in 0..<g.outputHeight {
          let out = y + oh * g.outputWidth
          guard let ih = mode.source(oh, size: g.height, before: g.top) else {
            out.update(repeating: value, count: g.outputWidth)
            continue
          }
          let row = x + ih * g.width
          for ow in 0..<g.outputWidth {
            out[ow] = mode.source(ow, size: g.width, before: g.left).map { row[$0] } ?? value
          }
        }
      }
    }
  }

  /// Each output gradient added to the input pixel it was read from (a
  /// constant border has none); into `dx` when `accumulate` is set, else over
  /// zeros.
  public static func backward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, planes: Int, geometry g: PadGeometry, mode: PadMode,
    accumulate: Bool, pool: ComputePool
  ) {
    nonisolated(unsafe) let (dx, dy) = (dx, dy)
    let (inputPlane, outputPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
    pool.parallelRanges(planes, grain: max(1, 16_384 / outputPlane)) { planeRange in
      for plane in planeRange {
        let (dx, dy) = (dx + plane * inputPlane, dy + plane * outputPlane)
        if !accumulate { dx.update(repeating: 0, count: inputPlane) }
        for oh in 0..<g.outputHeight {
          guard let ih = mode.source(oh, size: g.height, before: g.top) else { continue }
          let (row, gradient) = (dx + ih * g.width, dy + oh * g.outputWidth)
          for ow in 0..<g.outputWidth {
            if let iw = mode.source(ow, size: g.width, before: g.left) { row[iw] += gradient[ow] }
          }
        }
      }
    }
  }
}
