import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Per-layer `init:`: the initializers it chooses (PyTorch's formulas and
/// fans), the values they draw, and its diagnostics.
@Suite struct LayerInitializationTests {
  /// The initializers of a one-layer spec's parameters by name.
  func initializers(_ layer: String, input: String = "x: [N, 64]") throws -> [String: Initializer] {
    let (graph, diagnostics) = lower(spec(inputs: input, "  - \(layer)\n"))
    let g = try #require(graph, "\(diagnostics.map(\.message))")
    return Dictionary(uniqueKeysWithValues: g.parameters.map { ($0.name, $0.initializer) })
  }

  func bound(_ initializer: Initializer?) -> Double? {
    if case .uniform(let b)? = initializer { return b }
    return nil
  }

  func std(_ initializer: Initializer?) -> Double? {
    if case .normal(let s)? = initializer { return s }
    return nil
  }

  @Test func aMethodAloneInitializesEveryWeightAndKeepsTheBiasDefault() throws {
    let found = try initializers("dense: {units: 32, init: {normal: {std: 0.02}}}")
    #expect(found["dense_1.weight"] == .normal(std: 0.02))
    #expect(found["dense_1.bias"] == .fanIn(64))
  }

  @Test func perParameterMethods() throws {
    let found = try initializers("dense: {units: 32, init: {weight: {normal: 0.5}, bias: zeros}}")
    #expect(found["dense_1.weight"] == .normal(std: 0.5))
    #expect(found["dense_1.bias"] == .zeros)
    let more = try initializers("dense: {units: 32, init: {weight: {uniform: {a: -1, b: 2}}, bias: {constant: 0.1}}}")
    #expect(more["dense_1.weight"] == .uniformRange(low: -1, high: 2))
    #expect(more["dense_1.bias"] == .constant(0.1))
    #expect(try initializers("dense: {units: 32, init: {uniform: 0.3}}")["dense_1.weight"] == .uniform(bound: 0.3))
    #expect(try initializers("dense: {units: 32, init: {bias: ones}}")["dense_1.bias"] == .ones)
  }

  /// PyTorch's fans of a convolution weight `[out, in/groups, kh, kw]`:
  /// fan_in = in/groups·kh·kw, fan_out = out·kh·kw.
  @Test func convolutionFans() throws {
    let input = "x: [N, 8, 16, 16]"
    let conv = "conv2d: {filters: 12, kernel: [3, 5], groups: 2"
    let fanIn = 8.0 / 2 * 15
    let fanOut = 12.0 * 15
    #expect(LayerInitialization.fans(of: [12, 4, 3, 5])! == (60, 180))
    let xavier = try initializers("\(conv), init: xavier_uniform}", input: input)
    #expect(abs(bound(xavier["conv2d_1.weight"])! - (6 / (fanIn + fanOut)).squareRoot()) < 1e-12)
    let xavierNormal = try initializers("\(conv), init: {glorot_normal: {gain: 2}}}", input: input)
    #expect(abs(std(xavierNormal["conv2d_1.weight"])! - 2 * (2 / (fanIn + fanOut)).squareRoot()) < 1e-12)
    let kaiming = try initializers(
      "\(conv), init: {kaiming_normal: {mode: fan_out, nonlinearity: relu}}}", input: input)
    #expect(abs(std(kaiming["conv2d_1.weight"])! - (2 / fanOut).squareRoot()) < 1e-12)
    let he = try initializers("\(conv), init: he_uniform}", input: input)
    #expect(abs(bound(he["conv2d_1.weight"])! - (6 / fanIn).squareRoot()) < 1e-12)
  }

  /// PyTorch's `calculate_gain` through kaiming's std = gain / sqrt(fan_in).
  @Test(arguments: [
    ("linear", 1.0), ("sigmoid", 1.0), ("tanh", 5.0 / 3), ("relu", 2.0.squareRoot()), ("selu", 0.75),
    ("leaky_relu", 2.0.squareRoot()),
  ])
  func gains(nonlinearity: String, gain: Double) throws {
    let found = try initializers("dense: {units: 8, init: {kaiming_normal: \(nonlinearity)}}")
    #expect(abs(std(found["dense_1.weight"])! - gain / 8) < 1e-12)
  }

  @Test func leakyReLUSlope() throws {
    let found = try initializers("dense: {units: 8, init: {kaiming_uniform: {nonlinearity: leaky_relu, a: 0.2}}}")
    #expect(abs(bound(found["dense_1.weight"])! - (2 / 1.04).squareRoot() * 3.0.squareRoot() / 8) < 1e-12)
  }

  /// Recurrent weights are orthogonal gate by gate.
  @Test func orthogonalRecurrentWeightsPerGate() throws {
    let found = try initializers("lstm: {hidden: 16, init: orthogonal}", input: "x: [N, 5, 8]")
    #expect(found["lstm_1.weight_hh_l0"] == .orthogonal(gain: 1, rows: 16, columns: 16))
    #expect(found["lstm_1.weight_ih_l0"] == .orthogonal(gain: 1, rows: 16, columns: 8))
    let gru = try initializers("gru: {hidden: 4, init: {weight_hh_l0: {orthogonal: 2}}}", input: "x: [N, 5, 8]")
    #expect(gru["gru_1.weight_hh_l0"] == .orthogonal(gain: 2, rows: 4, columns: 4))
  }

  /// Draws `initializer` into `count` floats.
  func draw(_ initializer: Initializer, count: Int, seed: UInt64 = 7) -> [Float] {
    var values = [Float](repeating: .nan, count: count)
    values.withUnsafeMutableBufferPointer {
      ParameterInitialization.fill($0.baseAddress!, count: count, initializer, seed: seed, index: 3)
    }
    return values
  }

  func moments(_ values: [Float]) -> (mean: Double, std: Double) {
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
  }

  /// Sample statistics of 200,000 draws within 2% of the distribution's.
  @Test func sampleStatistics() {
    let count = 200_000
    let normal = moments(draw(.normal(std: 0.02), count: count))
    #expect(abs(normal.mean) < 0.0005 && abs(normal.std - 0.02) < 0.0004)
    let uniform = draw(.uniformRange(low: -1, high: 3), count: count)
    let u = moments(uniform)
    #expect(abs(u.mean - 1) < 0.02 && abs(u.std - 4 / 12.0.squareRoot()) < 0.02)
    #expect(uniform.allSatisfy { $0 >= -1 && $0 < 3 })
    #expect(draw(.constant(0.25), count: 10) == [Float](repeating: 0.25, count: 10))
    // Orthogonal entries of an n x n matrix have std 1/sqrt(n).
    let o = moments(draw(.orthogonal(gain: 1, rows: 400, columns: 400), count: 160_000))
    #expect(abs(o.mean) < 0.002 && abs(o.std - 0.05) < 0.001)
  }

  /// W Wᵀ = gain² I for wide and square blocks, Wᵀ W for tall ones, in each
  /// gate block.
  @Test(arguments: [(8, 8), (6, 10), (10, 6)])
  func orthogonality(rows: Int, columns: Int) {
    let gain = 1.5
    let blocks = 4
    let values = draw(.orthogonal(gain: gain, rows: rows, columns: columns), count: blocks * rows * columns)
    for block in 0..<blocks {
      let w = Array(values[(block * rows * columns)..<((block + 1) * rows * columns)]).map(Double.init)
      let n = min(rows, columns)
      for i in 0..<n {
        for j in 0..<n {
          var dot = 0.0
          if rows <= columns {
            for k in 0..<columns { dot += w[i * columns + k] * w[j * columns + k] }
          } else {
            for k in 0..<rows { dot += w[k * columns + i] * w[k * columns + j] }
          }
          #expect(abs(dot - (i == j ? gain * gain : 0)) < 1e-5, "block \(block) (\(i), \(j))")
        }
      }
    }
    #expect(values[0..<(rows * columns)] != values[(rows * columns)..<(2 * rows * columns)])
  }

  /// The same seed gives the same values; another seed others.
  @Test func deterministicUnderTheSeed() {
    for initializer in [Initializer.orthogonal(gain: 1, rows: 5, columns: 3), .uniformRange(low: 0, high: 1)] {
      #expect(draw(initializer, count: 30, seed: 1) == draw(initializer, count: 30, seed: 1))
      #expect(draw(initializer, count: 30, seed: 1) != draw(initializer, count: 30, seed: 2))
    }
  }

  @Test(arguments: [
    ("dense: {units: 3, init: {wieght: zeros}}", DiagnosticCode.unknownKey, Optional("did you mean `weight`?")),
    ("dense: {units: 3, init: {weight: normall}}", .unknownKey, "did you mean `normal`?"),
    ("dense: {units: 3, init: {normal: {sd: 1}}}", .unknownKey, "did you mean `std`?"),
    ("dense: {units: 3, init: {bias: xavier_uniform}}", .valueOutOfRange, nil),
    ("dense: {units: 3, init: {kaiming_normal: {mode: fan_up}}}", .valueOutOfRange, "did you mean `fan_in`?"),
    ("dense: {units: 3, init: {kaiming_normal: sigmoud}}", .valueOutOfRange, "did you mean `sigmoid`?"),
    ("dense: {units: 3, init: {weight: {zeros: 1}}}", .typeMismatch, nil),
    ("dense: {units: 3, init: {weight: [1]}}", .typeMismatch, nil),
    ("dense: {units: 3, init: {uniform: {bound: 1, a: 0}}}", .typeMismatch, nil),
    ("dense: {units: 3, init: {uniform: {a: 2, b: 1}}}", .valueOutOfRange, nil),
    ("dense: {units: 3, init: constant}", .missingKey, nil),
    ("relu: {init: zeros}", .unknownKey, nil),
  ])
  func badInitIsLocated(layer: String, code: DiagnosticCode, help: String?) throws {
    let (graph, diagnostics) = lower(spec("  - \(layer)\n"))
    #expect(graph == nil)
    let diagnostic = try #require(diagnostics.first)
    #expect(diagnostics.count == 1, "\(diagnostics.map(\.message))")
    #expect(diagnostic.code == code)
    #expect(diagnostic.span?.start.line == 4)
    if let help { #expect(diagnostic.helps.contains(help), "\(diagnostic.helps)") }
  }

  @Test func initOnATiedLayerOrABlockIsAnError() {
    let tied = lower(spec("  - dense: {units: 64, name: a}\n  - dense: {units: 64, tie: a, init: zeros}\n"))
    #expect(tied.1.map(\.code) == [.unknownKey])
    let block = lower(
      spec("  - b: {init: zeros}\n", extra: "blocks:\n  b:\n    layers: [relu]\n"))
    #expect(block.1.map(\.code) == [.unknownKey])
  }
}
