import Foundation
import NetSpecKernels

/// Local response normalization across channels (AlexNet; PyTorch's
/// `LocalResponseNorm`): `b_c = a_c / (k + alpha / size * sum a_c'^2)^beta`, the
/// sum over the `size` channels centred on `c` (zero beyond the edges).
public struct LocalResponseNorm: Operator {
  public static let schema = OpSchema(
    name: "lrn", category: .normalization,
    summary: "Local response normalization across neighbouring channels (AlexNet).",
    attributes: [
      .required("size", .int(1...4096), "number of neighbouring channels summed over"),
      .default("alpha", .float(0...1000), .float(1e-4), "scale of the sum of squares"),
      .default("beta", .float(0...1000), .float(0.75), "exponent of the divisor"),
      .default("k", .float(0...1000), .float(1), "constant added to the divisor"),
    ],
    primary: "size")

  public let size: Int
  public let alpha: Double
  public let beta: Double
  public let k: Double

  public init(_ attributes: Attributes) {
    size = attributes.int("size")
    alpha = attributes.float("alpha")
    beta = attributes.float("beta")
    k = attributes.float("k")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 3, layout: "[N, C, ...]")
    // square, a window sum of `size`, scale, power and divide.
    return Inference(outputs: [x], flops: ShapeRules.flops(x, perElement: size + 4))
  }
}

extension LocalResponseNorm: ExecutableOperator {
  public static let examples = [
    OpExample(["size": .int(3), "alpha": .float(0.5), "k": .float(2)], inputs: [.batch(5, 2, 3)]),
    OpExample(["size": .int(4), "alpha": .float(1), "beta": .float(0.5)], inputs: [.batch(6, 3)]),
    OpExample(["size": .int(2)], inputs: [.batch(3, 2, 2)]),
  ]

  /// The divisor base `s = k + alpha / size * sum a^2` of every element.
  public func savedState(_ shapes: OpShapes) -> [Int] { [shapes.inputCount(0)] }

  /// The backward pass keeps `s^-beta` and `dy * a * s^(-beta - 1)` here.
  public func workspace(_ shapes: OpShapes) -> Int { 2 * shapes.inputCount(0) }

  /// The backward pass needs the input and the saved divisor bases.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// The channels whose squares enter channel `c`'s sum (PyTorch's window: `size / 2`
  /// before `c`, `(size - 1) / 2` after it, clipped to the channels).
  @inline(__always)
  private func neighbours(_ c: Int, channels: Int) -> ClosedRange<Int> {
    max(0, c - size / 2)...min(channels - 1, c + (size - 1) / 2)
  }

  /// The channels whose sums contain channel `j`'s square (the transpose of
  /// ``neighbours(_:channels:)``).
  @inline(__always)
  private func dependents(_ j: Int, channels: Int) -> ClosedRange<Int> {
    max(0, j - (size - 1) / 2)...min(channels - 1, j + size / 2)
  }

  /// Per sample: `s` for every channel from its window of squares, then
  /// `b = a * s^-beta`.
  public func forward(_ k: Kernel) {
    let channels = k.shapes.inputs[0][0]
    let positions = k.shapes.inputCount(0) / channels
    let coefficient = Float(alpha) / Float(size)
    let (base, exponent) = (Float(self.k), Float(beta))
    k.pool.parallelRanges(k.batch, grain: max(1, 16_384 / (channels * positions * size))) { samples in
      for n in samples {
        let x = k.inputs[0] + n * channels * positions
        let s = k.saved[0] + n * channels * positions
        let y = k.outputs[0] + n * channels * positions
        for c in 0..<channels {
          let sums = s + c * positions
          sums.update(repeating: base, count: positions)
          for neighbour in neighbours(c, channels: channels) {
            let a = x + neighbour * positions
            for p in 0..<positions { sums[p] += coefficient * a[p] * a[p] }
          }
          let (a, b) = (x + c * positions, y + c * positions)
          for p in 0..<positions { b[p] = a[p] * powf(sums[p], -exponent) }
        }
      }
    }
  }

  /// `dx_j = dy_j * s_j^-beta - 2 * alpha * beta / size * a_j * sum over the channels
  /// c whose window holds j of dy_c * a_c * s_c^(-beta - 1)`.
  public func backward(_ k: Kernel) {
    guard k.inputGradients[0] != nil else { return }
    let channels = k.shapes.inputs[0][0]
    let count = k.shapes.inputCount(0)
    let positions = count / channels
    let coefficient = 2 * Float(alpha) * Float(beta) / Float(size)
    let exponent = Float(beta)
    let accumulate = k.accumulateInput[0]
    k.pool.parallelRanges(k.batch, grain: max(1, 16_384 / (count * size))) { samples in
      for n in samples {
        let x = k.inputs[0] + n * count
        let s = k.saved[0] + n * count
        let dy = k.outputGradients[0] + n * count
        let dx = k.inputGradients[0]! + n * count
        let power = k.workspace! + 2 * n * count
        let t = power + count
        for i in 0..<count {
          power[i] = powf(s[i], -exponent)
          t[i] = dy[i] * x[i] * power[i] / s[i]
        }
        for j in 0..<channels {
          let row = j * positions
          if !accumulate { (dx + row).update(repeating: 0, count: positions) }
          for p in 0..<positions { dx[row + p] += dy[row + p] * power[row + p] }
          for c in dependents(j, channels: channels) {
            for p in 0..<positions { dx[row + p] -= coefficient * x[row + p] * t[c * positions + p] }
          }
        }
      }
    }
  }
}

extension LocalResponseNorm: EmittableOperator {
  /// As the interpreter, samples in parallel: each channel's divisor base from
  /// its window of squares, then `b = a * s^-beta`.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let channels = s.shapes.inputs[0][0]
    let count = s.shapes.inputCount(0)
    let positions = count / channels
    let coefficient = StepEmission.literal(Float(alpha) / Float(size))
    code.closure(
      "pool.parallelRanges(n, grain: \(max(1, 16_384 / (channels * positions * size)))) { samples in"
    ) { code in
      code.block("for sample in samples") { code in
        code.line("let x = \(s.input(0)) + sample * \(count)")
        code.line("let s = \(s.saved(0)) + sample * \(count)")
        code.line("let y = \(s.output(0)) + sample * \(count)")
        code.block("for c in 0..<\(channels)") { code in
          code.line("let sums = s + c * \(positions)")
          code.line("sums.update(repeating: \(StepEmission.literal(k)), count: \(positions))")
          code.block("for neighbour in \(neighbourRange("c", channels: channels))") { code in
            code.line("let a = x + neighbour * \(positions)")
            code.line("for p in 0..<\(positions) { sums[p] += \(coefficient) * a[p] * a[p] }")
          }
          code.line("let (a, b) = (x + c * \(positions), y + c * \(positions))")
          code.line("for p in 0..<\(positions) { b[p] = a[p] * powf(sums[p], -\(StepEmission.literal(beta))) }")
        }
      }
    }
  }

  /// `dx_j = dy_j * s_j^-beta - 2 alpha beta / size * a_j * sum over the windows
  /// c holding j of dy_c * a_c * s_c^(-beta - 1)`, samples in parallel.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dxBase = s.inputGradient(0) else { return }
    let channels = s.shapes.inputs[0][0]
    let count = s.shapes.inputCount(0)
    let positions = count / channels
    let coefficient = StepEmission.literal(2 * Float(alpha) * Float(beta) / Float(size))
    code.closure("pool.parallelRanges(n, grain: \(max(1, 16_384 / (count * size)))) { samples in") { code in
      code.block("for sample in samples") { code in
        code.line("let x = \(s.input(0)) + sample * \(count)")
        code.line("let s = \(s.saved(0)) + sample * \(count)")
        code.line("let dy = \(s.outputGradient(0)) + sample * \(count)")
        code.line("let dx = \(dxBase) + sample * \(count)")
        code.line("let power = \(s.workspace) + 2 * sample * \(count)")
        code.line("let t = power + \(count)")
        code.block("for i in 0..<\(count)") { code in
          code.line("power[i] = powf(s[i], -\(StepEmission.literal(beta)))")
          code.line("t[i] = dy[i] * x[i] * power[i] / s[i]")
        }
        code.block("for j in 0..<\(channels)") { code in
          code.line("let row = j * \(positions)")
          if !s.accumulatesInput(0) { code.line("(dx + row).update(repeating: 0, count: \(positions))") }
          code.line("for p in 0..<\(positions) { dx[row + p] += dy[row + p] * power[row + p] }")
          code.block("for c in \(dependentRange("j", channels: channels))") { code in
            code.line(
              "for p in 0..<\(positions) { dx[row + p] -= \(coefficient) * x[row + p] * t[c * \(positions) + p] }")
          }
        }
      }
    }
  }

  /// ``neighbours(_:channels:)`` as a Swift expression of the channel variable `c`.
  private func neighbourRange(_ c: String, channels: Int) -> String {
    "max(0, \(c) - \(size / 2))...min(\(channels - 1), \(c) + \((size - 1) / 2))"
  }

  /// ``dependents(_:channels:)`` as a Swift expression of the channel variable `j`.
  private func dependentRange(_ j: String, channels: Int) -> String {
    "max(0, \(j) - \((size - 1) / 2))...min(\(channels - 1), \(j) + \(size / 2))"
  }
}
