import Foundation
import NetSpecKernels
import Testing

/// ``ActivationKernel``'s SiLU, clamp-like and exponential activations against their
/// definitions in Double (PyTorch's formulas and its gradient at the kinks),
/// gradients written and accumulated.
@Suite struct ActivationKernelTests {
  /// A kernel with its value and derivative in Double.
  struct Reference: Sendable, CustomTestStringConvertible {
    let kernel: ActivationKernel
    let f: @Sendable (Double) -> Double
    let derivative: @Sendable (Double) -> Double
    var testDescription: String { kernel.swiftLiteral }
  }

  static let selu = (alpha: 1.673_263_242_354_377_3, scale: 1.050_700_987_355_480_5)

  static let references: [Reference] = [
    Reference(
      kernel: .silu, f: { $0 / (1 + exp(-$0)) },
      derivative: { x in
        let sigmoid = 1 / (1 + exp(-x))
        return sigmoid * (1 + x * (1 - sigmoid))
      }),
    Reference(kernel: .relu6, f: { min(max($0, 0), 6) }, derivative: { $0 > 0 && $0 < 6 ? 1 : 0 }),
    Reference(
      kernel: .hardtanh(min: -0.5, max: 2), f: { min(max($0, -0.5), 2) }, derivative: { $0 > -0.5 && $0 < 2 ? 1 : 0 }),
    Reference(
      kernel: .hardswish, f: { $0 * min(max($0 + 3, 0), 6) / 6 },
      derivative: { $0 < -3 ? 0 : $0 <= 3 ? $0 / 3 + 0.5 : 1 }),
    Reference(kernel: .hardsigmoid, f: { min(max($0 + 3, 0), 6) / 6 }, derivative: { $0 > -3 && $0 < 3 ? 1 / 6 : 0 }),
    Reference(
      kernel: .mish, f: { $0 * tanh(log1p(exp($0))) },
      derivative: { x in
        let t = tanh(log1p(exp(x)))
        return t + x * (1 / (1 + exp(-x))) * (1 - t * t)
      }),
    Reference(
      kernel: .softplus(beta: 2, threshold: 3), f: { 2 * $0 > 3 ? $0 : log1p(exp(2 * $0)) / 2 },
      derivative: { 2 * $0 > 3 ? 1 : 1 / (1 + exp(-2 * $0)) }),
    Reference(
      kernel: .elu(alpha: 0.5), f: { $0 > 0 ? $0 : 0.5 * expm1($0) }, derivative: { $0 > 0 ? 1 : 0.5 * exp($0) }),
    Reference(
      kernel: .selu, f: { selu.scale * ($0 > 0 ? $0 : selu.alpha * expm1($0)) },
      derivative: { selu.scale * ($0 > 0 ? 1 : selu.alpha * exp($0)) }),
  ]

  /// Inputs over [-8, 8] plus every kink exactly (0, ±3, 6, the hardtanh bounds,
  /// softplus's switch at 1.5) and large magnitudes: 73 of them, so the vector
  /// kernels also run a partial last vector.
  static let inputs: [Float] =
    randomValues(62, seed: 3).map { 8 * $0 } + [0, 3, -3, 6, -0.5, 2, 1.5, 30, -30, 90, -90]

  @Test(arguments: references)
  func forwardAndBackwardMatchDefinitions(_ reference: Reference) {
    let x = Self.inputs
    let count = x.count
    let dy = randomValues(count, seed: 4)
    var y = [Float](repeating: 0, count: count)
    reference.kernel.forward(x, &y, count: count)
    for i in 0..<count {
      let expected = reference.f(Double(x[i]))
      #expect(abs(Double(y[i]) - expected) <= 2e-6 * max(1, abs(expected)), "f(\(x[i])) = \(y[i]), not \(expected)")
    }
    var inPlace = x
    inPlace.withUnsafeMutableBufferPointer { reference.kernel.forward($0.baseAddress!, $0.baseAddress!, count: count) }
    #expect(inPlace == y, "the input and output may be one buffer")
    let (dx, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      reference.kernel.backward(input: x, output: y, dy, dx, count: count, accumulate: accumulate)
    }
    for i in 0..<count {
      let expected = Double(dy[i]) * reference.derivative(Double(x[i]))
      #expect(
        abs(Double(dx[i]) - expected) <= 2e-6 * max(1, abs(expected)), "f'(\(x[i])) dy = \(dx[i]), not \(expected)")
    }
    #expect(deviation < 1e-6)
  }

  /// Every activation a layer fuses is one of the kernels above (or an older
  /// one) at the op's defaults, and its literal spells it for emitted code.
  @Test func fusableNamesAreUniqueAndLiteralsRoundTrip() {
    let names = ActivationKernel.fusable.map(\.name)
    #expect(Set(names).count == names.count)
    let literals = Dictionary(uniqueKeysWithValues: ActivationKernel.fusable.map { ($0.name, $0.kernel.swiftLiteral) })
    #expect(literals["hardtanh"] == ".hardtanh(min: -1.0, max: 1.0)")
    #expect(literals["softplus"] == ".softplus(beta: 1.0, threshold: 20.0)")
    #expect(literals["elu"] == ".elu(alpha: 1.0)")
  }
}
