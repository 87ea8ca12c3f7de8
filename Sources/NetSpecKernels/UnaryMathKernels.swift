#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Element-wise math functions of one tensor (the `exp`, `log`, `sqrt`,
/// `square`, `neg` and `abs` ops) and their derivatives. Backward reads the
/// forward output where the derivative is a function of it (`exp`, `sqrt`),
/// else the input, and writes `dx = dy * f'(...)`, adding into `dx` when
/// `accumulate` is set.
public enum UnaryMathKernel: Sendable, Equatable {
  case exp, log, sqrt, square, neg, abs

  /// This kernel as a Swift expression, for emitted code (`.exp`).
  public var swiftLiteral: String {
    switch self {
    case .exp: ".exp"
    case .log: ".log"
    case .sqrt: ".sqrt"
    case .square: ".square"
    case .neg: ".neg"
    case .abs: ".abs"
    }
  }

  /// True when ``backward`` needs the forward output rather than the input.
  public var needsOutput: Bool { self == .exp || self == .sqrt }

  /// `y = f(x)` for `count` elements.
  public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    switch self {
    case .exp: for i in 0..<count { y[i] = expf(x[i]) }
    case .log: for i in 0..<count { y[i] = logf(x[i]) }
    case .sqrt: for i in 0..<count { y[i] = x[i].squareRoot() }
    case .square: for i in 0..<count { y[i] = x[i] * x[i] }
    case .neg: for i in 0..<count { y[i] = -x[i] }
    case .abs: for i in 0..<count { y[i] = Swift.abs(x[i]) }
    }
  }

  /// `dx = dy * f'(x)`, from `output` (the forward `y`) when ``needsOutput``,
  /// else from `input`; the other may be nil. `abs` has derivative 0 at 0, as
  /// PyTorch's.
  public func backward(
    input x: UnsafePointer<Float>?, output y: UnsafePointer<Float>?, _ dy: UnsafePointer<Float>,
    _ dx: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool
  ) {
    for i in 0..<count {
      let value: Float =
        switch self {
        case .exp: dy[i] * y![i]
        case .log: dy[i] / x![i]
        case .sqrt: dy[i] * 0.5 / y![i]
        case .square: dy[i] * 2 * x![i]
        case .neg: -dy[i]
        case .abs: x![i] > 0 ? dy[i] : x![i] < 0 ? -dy[i] : 0
        }
      dx[i] = accumulate ? dx[i] + value : value
    }
  }
}
