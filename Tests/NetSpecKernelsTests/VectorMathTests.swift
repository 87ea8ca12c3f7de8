import Foundation
import NetSpecKernels
import Testing

/// `VectorMath` against libm in double precision, including partial vectors,
/// saturation and NaN.
@Suite struct VectorMathTests {
  static let inputs: [Float] =
    stride(from: -100, through: 100, by: 0.37).map { Float($0) }
    + stride(from: -2, through: 2, by: 0.0137).map { Float($0) }
    + [0, -0, 1e-30, -1e-30, 1e-6, 0.625, -0.625, 88.3, 89, -87.3, -104, .infinity, -.infinity]

  @Test(arguments: ["exp", "sigmoid", "tanh"])
  func matchesLibm(_ name: String) {
    // Odd counts leave a partial vector at the end.
    for count in [Self.inputs.count, 1, 3, 17] {
      let x = Array(Self.inputs.prefix(count))
      var y = [Float](repeating: .nan, count: count)
      apply(name, x, &y)
      for (input, output) in zip(x, y) {
        let expected = reference(name, Double(input))
        if expected > Double(Float.greatestFiniteMagnitude) / 2 || expected < 1e-37 {
          continue  // saturated: checked below
        }
        let error = abs(Double(output) - expected) / max(abs(expected), name == "tanh" ? 1e-30 : 0)
        #expect(
          error <= 3e-7 || abs(Double(output) - expected) <= 2e-7, "\(name)(\(input)) = \(output), expected \(expected)"
        )
      }
    }
  }

  @Test func saturatesAndKeepsNaN() {
    var y = [Float](repeating: 0, count: 4)
    apply("exp", [200, -200, .nan, 0], &y)
    #expect(y[0] > 1e38 && y[0].isFinite && y[1] >= 0 && y[1] < 2e-38 && y[2].isNaN && y[3] == 1)
    apply("sigmoid", [200, -200, .nan, 0], &y)
    #expect(y[0] == 1 && y[1] < 2e-38 && y[2].isNaN && y[3] == 0.5)
    apply("tanh", [200, -200, .nan, 0], &y)
    #expect(y[0] == 1 && y[1] == -1 && y[2].isNaN && y[3] == 0)
  }

  private func reference(_ name: String, _ x: Double) -> Double {
    switch name {
    case "exp": Foundation.exp(x)
    case "sigmoid": 1 / (1 + Foundation.exp(-x))
    default: Foundation.tanh(x)
    }
  }

  private func apply(_ name: String, _ x: [Float], _ y: inout [Float]) {
    y.withUnsafeMutableBufferPointer { output in
      let y = output.baseAddress!
      switch name {
      case "exp": VectorMath.exp(x, y, count: x.count)
      case "sigmoid": VectorMath.sigmoid(x, y, count: x.count)
      default: VectorMath.tanh(x, y, count: x.count)
      }
    }
  }
}
