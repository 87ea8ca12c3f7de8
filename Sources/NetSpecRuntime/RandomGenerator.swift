/// A small, fast, seeded random number generator whose output depends only on
/// its seed: the same seed gives the same numbers on every platform, in the
/// interpreter and in emitted code.
///
/// The generator is xoshiro256** (Blackman & Vigna 2018), its 256-bit state
/// filled from SplitMix64 started at the seed. Floats and ints are derived
/// from the 64-bit outputs by fixed bit arithmetic, and ``nextGaussian()``
/// uses only IEEE-exact operations (no platform `log`), so nothing depends on
/// the C library.
///
/// It deliberately does not conform to `RandomNumberGenerator`: standard
/// library algorithms such as `shuffle(using:)` do not promise how many
/// numbers they draw, which would make results change between Swift versions.
/// Use ``nextInt(below:)`` and ``shuffle(_:)`` instead.
///
/// ```swift
/// var random = RandomGenerator(seed: 42)
/// random.next()          // 0x…, the same everywhere
/// random.nextFloat()     // uniform in [0, 1)
/// random.nextGaussian()  // standard normal
/// ```
public struct RandomGenerator: Sendable {
  private var s0, s1, s2, s3: UInt64

  /// A generator for `seed`. Different `stream`s of one seed give unrelated
  /// sequences, so each consumer (initialization, dropout, shuffling, ...)
  /// can draw from its own stream without disturbing the others; stream 0 is
  /// the plain seed. The state words are the first four outputs of SplitMix64
  /// started at `seed ^ mix(stream)`, where `mix` is SplitMix64's finalizer.
  public init(seed: UInt64, stream: UInt64 = 0) {
    var state = seed ^ Self.mix(stream)
    s0 = Self.splitMix(&state)
    s1 = Self.splitMix(&state)
    s2 = Self.splitMix(&state)
    s3 = Self.splitMix(&state)
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  /// Uniform in [0, 1): the top 24 bits of ``next()`` times 2^-24, so every
  /// value is an exact multiple of 2^-24.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// Uniform in [0, 1): the top 53 bits of ``next()`` times 2^-53.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// Uniform in `0..<bound` without bias (Lemire's multiply-and-reject);
  /// `bound` must be positive.
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound")
    let range = UInt64(bound)
    var product = range.multipliedFullWidth(by: next())
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold {
        product = range.multipliedFullWidth(by: next())
      }
    }
    return Int(product.high)
  }

  /// A standard normal sample (mean 0, standard deviation 1) by Marsaglia's
  /// polar method in double precision, rounded to Float. Each call draws
  /// pairs of ``nextDouble()`` until one falls inside the unit circle and
  /// returns the first of the two normal values it yields.
  public mutating func nextGaussian() -> Float {
    while true {
      let u = 2 * nextDouble() - 1
      let v = 2 * nextDouble() - 1
      let s = u * u + v * v
      if s > 0, s < 1 {
        return Float(u * (-2 * Self.naturalLog(s) / s).squareRoot())
      }
    }
  }

  /// Shuffles `values` in place (Fisher–Yates, drawing ``nextInt(below:)``
  /// for positions `count - 1` down to 1).
  public mutating func shuffle<Element>(_ values: inout [Element]) {
    var i = values.count - 1
    while i > 0 {
      values.swapAt(i, nextInt(below: i + 1))
      i -= 1
    }
  }

  /// `0..<count` in a random order.
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  private static func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return mix(state)
  }

  /// SplitMix64's finalizer, a bijection on 64-bit words with mix(0) = 0.
  private static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// ln(x) for positive normal x from IEEE-exact operations only: x = m·2^e
  /// with m in [√½, √2), ln m = 2·atanh((m−1)/(m+1)) by its series (|s| < 0.172,
  /// 12 terms, error below 1e-16).
  public static func naturalLog(_ x: Double) -> Double {
    var m = x.significand
    var e = Double(x.exponent)
    if m > 1.4142135623730951 {
      m /= 2
      e += 1
    }
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var series = 0.0
    var k = 23.0
    while k >= 1 {
      series = series * s2 + 1 / k
      k -= 2
    }
    return e * 0.6931471805599453 + 2 * s * series
  }
}
