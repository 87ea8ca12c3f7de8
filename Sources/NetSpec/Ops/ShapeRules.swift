import NetSpecDiagnostics

/// Checked shape arithmetic shared by op shape rules. Every helper throws a
/// ``ShapeError`` naming the input or attribute at fault instead of trapping.
public enum ShapeRules {
  /// Requires `type` to have `rank` axes, laid out as `layout` (e.g. `[N, C, H, W]`).
  public static func requireRank(
    _ type: TensorType, _ rank: Int, layout: String, input: Int = 0
  ) throws(ShapeError) {
    guard type.rank == rank else {
      throw ShapeError(
        .rankMismatch,
        "expected a rank-\(rank) input \(layout), got rank \(type.rank) \(type.shape.shapeDescription)",
        input: input)
    }
  }

  /// Requires rank in a range (e.g. dense takes `[..., features]`).
  public static func requireRank(
    _ type: TensorType, atLeast rank: Int, layout: String, input: Int = 0
  ) throws(ShapeError) {
    guard type.rank >= rank else {
      throw ShapeError(
        .rankMismatch,
        "expected an input of rank >= \(rank) \(layout), got \(type.shape.shapeDescription)",
        input: input)
    }
  }

  /// Requires a float input.
  public static func requireFloat(_ type: TensorType, input: Int = 0) throws(ShapeError) {
    guard type.dtype == .float32 else {
      throw ShapeError(
        .shapeMismatch, "expected float32 values, got \(type.dtype.rawValue) \(type.shape.shapeDescription)",
        input: input, help: "integer inputs (token ids) go through `embedding` first")
    }
  }

  /// The static size of axis `axis`, which must not be symbolic.
  public static func staticSize(
    _ type: TensorType, axis: Int, what: String, input: Int = 0
  ) throws(ShapeError) -> Int {
    let a = axis < 0 ? type.rank + axis : axis
    guard let v = type.shape[a].staticValue else {
      throw ShapeError(
        .symbolicDimension,
        "the \(what) (axis \(a) of \(type.shape.shapeDescription)) must be a fixed size, not `\(type.shape[a])`",
        input: input)
    }
    return v
  }

  /// Output size of a sliding window: floor((in + 2p - d(k-1) - 1) / s) + 1, or
  /// ceil(in / s) for `same` padding. Throws when the window does not fit.
  public static func windowOutput(
    input size: Int, kernel: Int, stride: Int, padding: Int?, dilation: Int = 1,
    axis: String, kernelAttribute: String = "kernel"
  ) throws(ShapeError) -> Int {
    guard let padding else { return (size + stride - 1) / stride }
    let effective = dilation * (kernel - 1) + 1
    let span = size + 2 * padding - effective
    guard span >= 0 else {
      throw ShapeError(
        .nonPositiveDimension,
        "\(kernelAttribute) \(effective) is larger than the padded input \(axis) \(size + 2 * padding)",
        attribute: kernelAttribute,
        help: "use a smaller \(kernelAttribute), add padding, or remove a pooling layer before this one")
    }
    return span / stride + 1
  }

  /// Padding per side for `same` output size (total split as PyTorch/TensorFlow do:
  /// extra on the end), or the explicit values.
  public static func samePadding(input: Int, kernel: Int, stride: Int, dilation: Int = 1)
    -> (before: Int, after: Int)
  {
    let out = (input + stride - 1) / stride
    let total = max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - input)
    return (total / 2, total - total / 2)
  }

  /// Checked product of dims.
  public static func product(_ dims: [Dim], what: String) throws(ShapeError) -> Dim {
    guard let p = dims.elementCount else {
      throw ShapeError(.dimensionOverflow, "the \(what) overflows (\(dims.timesDescription))")
    }
    return p
  }

  /// Checked `a * b` for FLOP and size arithmetic.
  public static func multiply(_ a: Dim, _ b: Dim) throws(ShapeError) -> Dim {
    guard let p = a.multiplied(by: b) else {
      throw ShapeError(.dimensionOverflow, "size arithmetic overflows (\(a) * \(b))")
    }
    return p
  }

  /// Elements of `type` times `perElement` FLOPs (saturating at the limit, since
  /// costs are informative only).
  public static func flops(_ type: TensorType, perElement: Int) -> Dim {
    type.shape.elementCount?.scaled(perElement) ?? Dim(Dim.limit)
  }

  /// Checked static count of parameters `dims` (fails past ``Dim/limit``).
  public static func parameterCount(_ dims: [Int]) throws(ShapeError) -> Int {
    var total = 1
    for d in dims {
      let (p, o) = total.multipliedReportingOverflow(by: d)
      guard !o, p <= Dim.limit else {
        throw ShapeError(.dimensionOverflow, "a parameter of shape \(dims) is too large")
      }
      total = p
    }
    return total
  }

  /// Checked `a + b` for FLOP and size arithmetic.
  public static func add(_ a: Dim, _ b: Dim) throws(ShapeError) -> Dim {
    guard let s = a.adding(b) else {
      throw ShapeError(.dimensionOverflow, "size arithmetic overflows (\(a) + \(b))")
    }
    return s
  }
}

// MARK: - Axes, pooling windows and elementwise merges

extension ShapeRules {
  /// The values an axis attribute (`axis`, `start_axis`) may take: negative axes
  /// count from the end, so -1 is the last axis.
  public static let axisRange: ClosedRange<Int> = -64...63

  /// `axis` resolved against the rank of `type` (negative axes count from the end).
  /// Throws at `attribute`, naming the input's shape, when the axis does not exist.
  public static func axis(
    _ axis: Int, of type: TensorType, attribute: String, input: Int = 0
  ) throws(ShapeError) -> Int {
    let resolved = axis < 0 ? axis + type.rank : axis
    guard resolved >= 0, resolved < type.rank else {
      throw ShapeError(
        .valueOutOfRange,
        "\(attribute) \(axis) does not exist in the rank-\(type.rank) input \(type.shape.shapeDescription)",
        input: input, attribute: attribute,
        help: type.rank == 0
          ? "a scalar has no axes; apply this op before the value is reduced to a scalar"
          : "expected an axis in \(-type.rank)...\(type.rank - 1) (negative axes count from the end)")
    }
    return resolved
  }

  /// The output of a 2-D pooling window over a float `[N, C, H, W]` input, by
  /// PyTorch's rules: explicit padding of at most half the kernel per side, output
  /// size rounded down, or up with `ceilMode` (``poolOutput(input:kernel:stride:padding:ceilMode:axis:)``).
  /// Errors name the `kernel` or `padding` attribute at fault.
  public static func pool2D(
    _ x: TensorType, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), ceilMode: Bool = false
  ) throws(ShapeError) -> TensorType {
    try requireFloat(x)
    try requireRank(x, 4, layout: "[N, C, H, W]")
    let height = try staticSize(x, axis: 2, what: "height")
    let width = try staticSize(x, axis: 3, what: "width")
    let outH = try poolOutput(
      input: height, kernel: kernel.0, stride: stride.0, padding: padding.0, ceilMode: ceilMode, axis: "height")
    let outW = try poolOutput(
      input: width, kernel: kernel.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode, axis: "width")
    return TensorType([x.shape[0], x.shape[1], Dim(outH), Dim(outW)])
  }

  /// The output of a 1-d pooling window over a float `[N, C, L]` input, by the
  /// rules of ``pool2D(_:kernel:stride:padding:ceilMode:)``.
  public static func pool1D(
    _ x: TensorType, kernel: Int, stride: Int, padding: Int, ceilMode: Bool
  ) throws(ShapeError) -> TensorType {
    try requireFloat(x)
    try requireRank(x, 3, layout: "[N, C, L]")
    let length = try staticSize(x, axis: 2, what: "length")
    let output = try poolOutput(
      input: length, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, axis: "length")
    return TensorType([x.shape[0], x.shape[1], Dim(output)])
  }

  /// Pooling windows along one axis: `padding` at most half the kernel,
  /// `(in + 2p - k) / s + 1` windows rounded down, or with `ceilMode` rounded
  /// up as long as the last window starts inside the input or the left
  /// padding (PyTorch's rule).
  public static func poolOutput(
    input size: Int, kernel: Int, stride: Int, padding: Int, ceilMode: Bool, axis: String
  ) throws(ShapeError) -> Int {
    guard padding <= kernel / 2 else {
      throw ShapeError(
        .valueOutOfRange,
        "padding \(padding) on the \(axis) is more than half the kernel \(axis) \(kernel): expected at most \(kernel / 2)",
        attribute: "padding",
        help: "pooling pads at most kernel / 2 per side (as PyTorch); use padding \(kernel / 2) or less")
    }
    let floor = try windowOutput(input: size, kernel: kernel, stride: stride, padding: padding, axis: axis)
    guard ceilMode, (size + 2 * padding - kernel) % stride != 0 else { return floor }
    return floor * stride >= size + padding ? floor : floor + 1
  }

  /// Requires every input to have exactly the shape of input 0, as elementwise
  /// merges do. The error is at the first input that differs and names both shapes.
  public static func requireSameShape(_ inputs: [TensorType], help: String) throws(ShapeError) {
    let first = inputs[0].shape
    for (i, x) in inputs.enumerated().dropFirst() where x.shape != first {
      throw ShapeError(
        x.rank == first.count ? .shapeMismatch : .rankMismatch,
        "input \(i) has shape \(x.shape.shapeDescription), expected \(first.shapeDescription) (the shape of input 0)",
        input: i, help: help)
    }
  }
}
