#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Element-wise activation functions and their derivatives, shared by the
/// activation ops and by layers with a fused `activation:`.
///
/// Backward functions take the forward *output* `y` where the derivative is a
/// function of it (ReLU, sigmoid, tanh), so the input need not be kept, and
/// write `dx = dy * f'(...)`, adding into `dx` when `accumulate` is set.
public enum ActivationKernel: Sendable, Equatable {
  case relu
  case leakyReLU(slope: Float)
  case sigmoid
  case tanh
  /// GELU with the tanh approximation (Hendrycks & Gimpel 2016), or exact (erf).
  case gelu(exact: Bool)
  /// SiLU (swish): `x * sigmoid(x)`.
  case silu
  /// `min(max(x, 0), 6)` (MobileNetV2).
  case relu6
  /// `x` clamped to `[min, max]`.
  case hardtanh(min: Float, max: Float)
  /// `x * relu6(x + 3) / 6` (MobileNetV3).
  case hardswish
  /// ``forward(_:_:count:)`` spread over `pool` in parts of whole vectors
  /// (``ComputePool/parallelElements(_:_:)``): the same results as on one thread.
  /// Not for use inside a task of `pool`.
  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, pool: ComputePool) {
    pool.parallelElements(count) { range in
      forward(x + range.lowerBound, y + range.lowerBound, count: range.count)
    }
  }

  /// ``backward(input:output:_:_:count:accumulate:)`` spread over `pool` as
  /// ``forward(_:_:count:pool:)`` is.
  public func backward(
    input x: UnsafePointer<Float>?, output y: UnsafePointer<Float>?, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool, pool: ComputePool
  ) {
    pool.parallelElements(count) { range in
      let start = range.lowerBound
      backward(
        input: x.map { $0 + start }, output: y.map { $0 + start }, dy + start, dx + start, count: range.count,
        accumulate: accumulate)
    }
  }

  /// `relu6(x + 3) / 6`.
  case hardsigmoid
  /// `x * tanh(softplus(x))` (Misra 2019).
  case mish
  /// `log(1 + e^(beta x)) / beta`, and `x` itself where `beta x > threshold`.
  case softplus(beta: Float, threshold: Float)
  /// `x` for `x > 0`, `alpha (e^x - 1)` otherwise; `alpha >= 0`, so the
  /// derivative can be read from the output.
  case elu(alpha: Float)
  /// `scale * elu(x, alpha)` with the fixed self-normalizing constants (Klambauer 2017).
  case selu

  /// SELU's `alpha`, as PyTorch's.
  public static let seluAlpha: Float = 1.673_263_242_354_377_3
  /// SELU's `scale`.
  public static let seluScale: Float = 1.050_700_987_355_480_5

  /// The activations a layer can fuse into its output, by their name in a spec
  /// (`dense: {units: 10, activation: relu}`): every element-wise activation op
  /// under its own name, at its defaults when it has attributes (`gelu` with the
  /// tanh approximation, `hardtanh` on [-1, 1], `elu` with alpha 1, `softplus`
  /// with beta 1 and threshold 20, `leaky_relu` with slope 0.01).
  public static let fusable: [(name: String, kernel: ActivationKernel)] = [
    ("relu", .relu), ("sigmoid", .sigmoid), ("tanh", .tanh), ("gelu", .gelu(exact: false)),
    ("leaky_relu", .leakyReLU(slope: 0.01)), ("silu", .silu), ("relu6", .relu6),
    ("hardtanh", .hardtanh(min: -1, max: 1)), ("hardswish", .hardswish), ("hardsigmoid", .hardsigmoid),
    ("mish", .mish), ("softplus", .softplus(beta: 1, threshold: 20)), ("elu", .elu(alpha: 1)), ("selu", .selu),
  ]

  /// This kernel as a Swift expression, for emitted code (`.leakyReLU(slope: 0.2)`).
  public var swiftLiteral: String {
    switch self {
    case .relu: ".relu"
    case .leakyReLU(let slope): ".leakyReLU(slope: \(slope))"
    case .sigmoid: ".sigmoid"
    case .tanh: ".tanh"
    case .gelu(let exact): ".gelu(exact: \(exact))"
    case .silu: ".silu"
    case .relu6: ".relu6"
    case .hardtanh(let min, let max): ".hardtanh(min: \(min), max: \(max))"
    case .hardswish: ".hardswish"
    case .hardsigmoid: ".hardsigmoid"
    case .mish: ".mish"
    case .softplus(let beta, let threshold): ".softplus(beta: \(beta), threshold: \(threshold))"
    case .elu(let alpha): ".elu(alpha: \(alpha))"
    case .selu: ".selu"
    }
  }

  /// True when ``backward`` needs the forward input rather than the output.
  public var needsInput: Bool {
    switch self {
    case .gelu, .leakyReLU, .silu, .hardswish, .hardsigmoid, .mish, .softplus: true
    default: false
    }
  }

  /// `y[i] = f(x[i])`; `x` and `y` may be the same buffer.
  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    switch self {
    case .relu:
      for i in 0..<count { y[i] = max(x[i], 0) }
    case .leakyReLU(let slope):
      for i in 0..<count { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
    case .sigmoid:
      VectorMath.sigmoid(x, y, count: count)
    case .tanh:
      VectorMath.tanh(x, y, count: count)
    case .gelu(let exact):
      if exact {
        for i in 0..<count { y[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.707_106_77)) }
      } else {
        for i in 0..<count {
          let v = x[i]
          y[i] = 0.5 * v * (1 + tanhf(0.797_884_56 * (v + 0.044_715 * v * v * v)))
        }
      }
    case .silu:
      VectorMath.map(x, y, count: count) { $0 * VectorMath.logistic($0) }
    case .relu6:
      VectorMath.map(x, y, count: count) { $0.clamped(lowerBound: .zero, upperBound: KernelVector(repeating: 6)) }
    case .hardtanh(let low, let high):
      let (lower, upper) = (KernelVector(repeating: low), KernelVector(repeating: high))
      VectorMath.map(x, y, count: count) { $0.clamped(lowerBound: lower, upperBound: upper) }
    case .hardswish:
      VectorMath.map(x, y, count: count) { $0 * Self.hardsigmoid($0) }
    case .hardsigmoid:
      VectorMath.map(x, y, count: count, Self.hardsigmoid)
    case .mish:
      // tanh(log(1 + e^x)) = (e^2x + 2e^x) / (e^2x + 2e^x + 2), exact until e^x
      // overflows; past 20, where it is 1 in float32, mish is x.
      VectorMath.map(x, y, count: count) { v in
        let e = VectorMath.exponential(v.replacing(with: 20, where: v .> 20))
        let n = e * (e + 2)
        return (v * n / (n + 2)).replacing(with: v, where: v .> 20)
      }
    case .softplus(let beta, let threshold):
      for i in 0..<count {
        let v = x[i]
        y[i] = v * beta > threshold ? v : log1pf(expf(v * beta)) / beta
      }
    case .elu(let alpha):
      VectorMath.map(x, y, count: count) { v in
        (alpha * (VectorMath.exponential(v) - 1)).replacing(with: v, where: v .> 0)
      }
    case .selu:
      let (alpha, scale) = (Self.seluAlpha, Self.seluScale)
      VectorMath.map(x, y, count: count) { v in
        scale * (alpha * (VectorMath.exponential(v) - 1)).replacing(with: v, where: v .> 0)
      }
    }
  }

  /// `relu6(x + 3) / 6`.
  @inline(__always)
  private static func hardsigmoid(_ x: KernelVector) -> KernelVector {
    (x + 3).clamped(lowerBound: .zero, upperBound: KernelVector(repeating: 6)) * (1 / 6)
  }

  /// `dx[i] (+)= dy[i] * f'(x[i])`, with `x` the forward input and `y` the output.
  public func backward(
    input x: UnsafePointer<Float>?, output y: UnsafePointer<Float>?, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool
  ) {
    @inline(__always) func store(_ i: Int, _ v: Float) {
      if accumulate { dx[i] += v } else { dx[i] = v }
    }
    switch self {
    case .relu:
      let y = y!
      for i in 0..<count { store(i, y[i] > 0 ? dy[i] : 0) }
    case .leakyReLU(let slope):
      let x = x!
      for i in 0..<count { store(i, x[i] > 0 ? dy[i] : slope * dy[i]) }
    case .sigmoid:
      let y = y!
      for i in 0..<count { store(i, dy[i] * y[i] * (1 - y[i])) }
    case .tanh:
      let y = y!
      for i in 0..<count { store(i, dy[i] * (1 - y[i] * y[i])) }
    case .gelu(let exact):
      let x = x!
      if exact {
        for i in 0..<count {
          let v = x[i]
          let cdf = 0.5 * (1 + erff(v * 0.707_106_77))
          let pdf = expf(-0.5 * v * v) * 0.398_942_28
          store(i, dy[i] * (cdf + v * pdf))
        }
      } else {
        for i in 0..<count {
          let v = x[i]
          let inner = 0.797_884_56 * (v + 0.044_715 * v * v * v)
          let t = tanhf(inner)
          let dinner = 0.797_884_56 * (1 + 3 * 0.044_715 * v * v)
          store(i, dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dinner))
        }
      }
    case .silu:
      let x = x!
      for i in 0..<count {
        let sigmoid = 1 / (1 + expf(-x[i]))
        store(i, dy[i] * sigmoid * (1 + x[i] * (1 - sigmoid)))
      }
    case .relu6:
      // PyTorch's convention: no gradient at either bound.
      let y = y!
      for i in 0..<count { store(i, y[i] > 0 && y[i] < 6 ? dy[i] : 0) }
    case .hardtanh(let low, let high):
      let y = y!
      for i in 0..<count { store(i, y[i] > low && y[i] < high ? dy[i] : 0) }
    case .hardswish:
      let x = x!
      for i in 0..<count {
        let v = x[i]
        store(i, v < -3 ? 0 : v <= 3 ? dy[i] * (v * (1 / 3) + 0.5) : dy[i])
      }
    case .hardsigmoid:
      let x = x!
      for i in 0..<count { store(i, x[i] > -3 && x[i] < 3 ? dy[i] * (1 / 6) : 0) }
    case .mish:
      // d/dx x tanh(sp(x)) = t + x sigmoid(x) (1 - t^2), with t = n / (n + 2) as in
      // forward and 1 - t^2 = 4 (n + 1) / (n + 2)^2, exact where t rounds to 1.
      let x = x!
      for i in 0..<count {
        let v = x[i]
        let e = expf(min(v, 20))
        let n = e * (e + 2)
        let d = n + 2
        let slope = v > 20 ? 1 : n / d + v * (e / (1 + e)) * (4 * (n + 1) / (d * d))
        store(i, dy[i] * slope)
      }
    case .softplus(let beta, let threshold):
      let x = x!
      for i in 0..<count {
        let z = x[i] * beta
        store(i, z > threshold ? dy[i] : dy[i] / (1 + expf(-z)))
      }
    case .elu(let alpha):
      // alpha e^x = y + alpha below zero.
      let y = y!
      for i in 0..<count { store(i, y[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha)) }
    case .selu:
      let (scale, scaledAlpha) = (Self.seluScale, Self.seluScale * Self.seluAlpha)
      let y = y!
      for i in 0..<count { store(i, y[i] > 0 ? dy[i] * scale : dy[i] * (y[i] + scaledAlpha)) }
    }
  }
}
