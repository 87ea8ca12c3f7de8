import NetSpecKernels

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

  /// Every parameter's initial values, by parameter id: the same numbers an
  /// ``Interpreter`` with this `seed` starts from (`netspec train` uses
  /// `train.seed`).
  public static func values(of graph: Graph, seed: UInt64) -> [[Float]] {
    graph.parameters.enumerated().map { index, parameter in
      var values = [Float](repeating: 0, count: parameter.count)
      values.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        fill(base, count: parameter.count, parameter.initializer, seed: seed, index: index)
      }
      return values
    }
  }

  /// Fills `count` floats at `destination` from `initializer`.
  public static func fill(
    _ destination: UnsafeMutablePointer<Float>, count: Int, _ initializer: Initializer, seed: UInt64, index: Int
  ) {
    let stream = SplitMix64.mix(seed, UInt64(index))
    switch initializer {
    case .zeros:
      destination.update(repeating: 0, count: count)
    case .ones:
      destination.update(repeating: 1, count: count)
    case .uniform(let bound):
      SplitMix64.fillUniform(destination, count: count, bound: Float(bound), seed: stream)
    case .normal(let std):
      SplitMix64.fillNormal(destination, count: count, std: Float(std), seed: stream)
    case .constant(let value):
      destination.update(repeating: Float(value), count: count)
    case .uniformRange(let low, let high):
      SplitMix64.fillUniform(destination, count: count, low: Float(low), high: Float(high), seed: stream)
    case .orthogonal(let gain, let rows, let columns):
      SplitMix64.fillOrthogonal(
        destination, count: count, rows: rows, columns: columns, gain: Float(gain), seed: stream)
    }
  }
}
