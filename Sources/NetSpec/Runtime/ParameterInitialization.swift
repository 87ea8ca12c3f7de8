import Foundation

/// Draws initial parameter values from their ``Initializer``s. Each parameter
/// has its own random stream, seeded from the run's seed and the parameter's
/// index, so adding a layer does not change the others' initial values, and the
/// emitted Swift code reproduces the same numbers.
public enum ParameterInitialization {
  public static func initialize(plan: ExecutionPlan, parameters: UnsafeMutablePointer<Float>, seed: UInt64) {
    for slot in plan.parameterSlots {
      let parameter = plan.graph.parameters[slot.parameter]
      fill(parameters + slot.offset, count: slot.count, parameter.initializer, seed: seed, index: slot.parameter)
    }
  }

  /// Fills `count` floats at `destination` from `initializer`.
  public static func fill(
    _ destination: UnsafeMutablePointer<Float>, count: Int, _ initializer: Initializer, seed: UInt64, index: Int
  ) {
    var random = SplitMix64(seed: Interpreter.mix(seed, UInt64(index)))
    switch initializer {
    case .zeros:
      destination.update(repeating: 0, count: count)
    case .ones:
      destination.update(repeating: 1, count: count)
    case .uniform(let bound):
      let b = Float(bound)
      for i in 0..<count { destination[i] = (2 * random.nextFloat() - 1) * b }
    case .normal(let std):
      let s = Float(std)
      for i in 0..<count { destination[i] = random.nextGaussian() * s }
    }
  }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose output
/// is the same on every platform, used for initialization and dropout masks.
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
}
