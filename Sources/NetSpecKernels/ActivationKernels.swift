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

  /// The activations a layer can fuse into its output, by their name in a spec
  /// (`dense: {units: 10, activation: relu}`).
  public static let fusable: [(name: String, kernel: ActivationKernel)] = [
    ("relu", .relu), ("sigmoid", .sigmoid), ("tanh", .tanh), ("gelu", .gelu(exact: false)), ("silu", .silu),
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
    }
  }

  /// True when ``backward`` needs the forward input rather than the output.
  public var needsInput: Bool {
    switch self {
    case .gelu, .leakyReLU, .silu: true
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
      for i in 0..<count { y[i] = x[i] / (1 + expf(-x[i])) }
    }
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
    }
  }
}
