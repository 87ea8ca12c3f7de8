import Foundation

/// Softmax along `axis`: exp(x - max) / sum(exp(x - max)), computed stably.
public struct Softmax: Operator {
  public static let schema = OpSchema(
    name: "softmax", category: .activation,
    summary: "Softmax along an axis (the last by default): exp(x) / sum(exp(x)).",
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(-1),
        "axis to normalize over (negative counts from the end)")
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    _ = try ShapeRules.axis(axis, of: inputs[0], attribute: "axis")
    // max, subtract, exp, sum, divide.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 5))
  }
}

extension Softmax: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(2, 5)]),
    OpExample(["axis": .int(1)], inputs: [.batch(3, 2, 2)]),
    OpExample(["axis": .int(-2)], inputs: [.batch(2, 3, 2)]),
    OpExample(["axis": .int(0)], inputs: [.batch(3)]),
  ]
  /// dx = y * (dy - sum(dy * y)) along the axis needs only the output.
  public var backwardReads: BackwardReads { .outputsOnly }

  /// The input `[batch, ...shape]` seen as `[outer, length, inner]` with the
  /// softmax axis in the middle (the batch axis itself when `axis` resolves to 0).
  func layout(_ shape: [Int], batch: Int) -> (outer: Int, length: Int, inner: Int) {
    let resolved = axis < 0 ? axis + shape.count + 1 : axis
    guard resolved > 0 else { return (1, batch, shape.reduce(1, *)) }
    let s = resolved - 1
    return (batch * shape[..<s].reduce(1, *), shape[s], shape[(s + 1)...].reduce(1, *))
  }

  /// Per softmax vector (stride `inner`): max, exp(x - max) with its sum, scale.
  public func forward(_ k: Kernel) {
    let (outer, length, inner) = layout(k.shapes.inputs[0], batch: k.batch)
    for o in 0..<outer {
      for i in 0..<inner {
        let x = k.inputs[0] + o * length * inner + i
        let y = k.outputs[0] + o * length * inner + i
        var maximum = -Float.infinity
        for j in 0..<length { maximum = max(maximum, x[j * inner]) }
        var sum: Float = 0
        for j in 0..<length {
          let e = expf(x[j * inner] - maximum)
          y[j * inner] = e
          sum += e
        }
        let inverse = 1 / sum
        for j in 0..<length { y[j * inner] *= inverse }
      }
    }
  }

  public func backward(_ k: Kernel) {
    guard let gradient = k.inputGradients[0] else { return }
    let (outer, length, inner) = layout(k.shapes.inputs[0], batch: k.batch)
    let accumulate = k.accumulateInput[0]
    for o in 0..<outer {
      for i in 0..<inner {
        let y = k.outputs[0] + o * length * inner + i
        let dy = k.outputGradients[0] + o * length * inner + i
        let dx = gradient + o * length * inner + i
        var dot: Float = 0
        for j in 0..<length { dot += dy[j * inner] * y[j * inner] }
        for j in 0..<length {
          let g = y[j * inner] * (dy[j * inner] - dot)
          if accumulate { dx[j * inner] += g } else { dx[j * inner] = g }
        }
      }
    }
  }
}

extension Softmax: EmittableOperator {
  /// The layout `[outer, length, inner]` as Swift expressions: the batch `n`
  /// enters the outer count, or is the length when `axis` resolves to 0.
  private func layoutExpressions(_ shape: [Int]) -> (outer: String, length: String, inner: Int) {
    let resolved = axis < 0 ? axis + shape.count + 1 : axis
    guard resolved > 0 else { return ("1", "n", shape.reduce(1, *)) }
    let s = resolved - 1
    return (StepEmission.rows(shape[..<s].reduce(1, *)), String(shape[s]), shape[(s + 1)...].reduce(1, *))
  }

  /// The loops of a softmax vector at `base` (stride `inner`): the interpreter's
  /// loops with literal sizes.
  private func emitVectors(
    _ s: StepEmission, _ code: inout SwiftWriter, body: (String, Int, inout SwiftWriter) -> Void
  ) {
    let (outer, length, inner) = layoutExpressions(s.shapes.inputs[0])
    code.block("for o in 0..<\(outer)") { code in
      code.block("for i in 0..<\(inner)") { code in
        code.line("let base = o * \(length) * \(inner) + i")
        body(length, inner, &code)
      }
    }
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    emitVectors(s, &code) { length, inner, code in
      let at = inner == 1 ? "j" : "j * \(inner)"
      code.line("let (x, y) = (\(s.input(0)) + base, \(s.output(0)) + base)")
      code.line("var maximum = -Float.infinity")
      code.line("for j in 0..<\(length) { maximum = max(maximum, x[\(at)]) }")
      code.line("var sum: Float = 0")
      code.block("for j in 0..<\(length)") { code in
        code.line("let e = expf(x[\(at)] - maximum)")
        code.line("y[\(at)] = e")
        code.line("sum += e")
      }
      code.line("let inverse = 1 / sum")
      code.line("for j in 0..<\(length) { y[\(at)] *= inverse }")
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let gradient = s.inputGradient(0) else { return }
    let accumulate = s.accumulatesInput(0)
    emitVectors(s, &code) { length, inner, code in
      let at = inner == 1 ? "j" : "j * \(inner)"
      code.line("let (y, dy, dx) = (\(s.output(0)) + base, \(s.outputGradient(0)) + base, \(gradient) + base)")
      code.line("var dot: Float = 0")
      code.line("for j in 0..<\(length) { dot += dy[\(at)] * y[\(at)] }")
      code.line("for j in 0..<\(length) { dx[\(at)] \(accumulate ? "+=" : "=") y[\(at)] * (dy[\(at)] - dot) }")
    }
  }
}
