#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose output
/// is the same on every platform, used for initialization and dropout masks by
/// the interpreter and by emitted code alike.
public struct SplitMix64: Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inline(__always)
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1) with 24 random bits.
  @inline(__always)
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Standard normal (Box–Muller, one value per call).
  public mutating func nextGaussian() -> Float {
    let u1 = max(nextFloat(), 1e-7)
    let u2 = nextFloat()
    return (-2 * logf(u1)).squareRoot() * cosf(2 * Float.pi * u2)
  }

  /// A well-mixed 64-bit seed from two values (SplitMix64's finalizer folded
  /// over them): parameter `i` is initialized from the stream `mix(seed, i)`.
  public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    fold(fold(0x9E37_79B9_7F4A_7C15, a), b)
  }

  /// A well-mixed 64-bit seed from three values: the dropout mask of node `j`
  /// at forward pass `s` is drawn from `mix(seed, j, s)`.
  public static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    fold(fold(fold(0x9E37_79B9_7F4A_7C15, a), b), c)
  }

  @inline(__always)
  private static func fold(_ hash: UInt64, _ value: UInt64) -> UInt64 {
    var h = hash
    h ^= value &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
  }

  /// Fills `count` floats with uniform values in (-bound, bound).
  public static func fillUniform(_ destination: UnsafeMutablePointer<Float>, count: Int, bound: Float, seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for i in 0..<count { destination[i] = (2 * random.nextFloat() - 1) * bound }
  }

  /// Fills `count` floats with normal values of standard deviation `std`.
  public static func fillNormal(_ destination: UnsafeMutablePointer<Float>, count: Int, std: Float, seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for i in 0..<count { destination[i] = random.nextGaussian() * std }
  }
}
