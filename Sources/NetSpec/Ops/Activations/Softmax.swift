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
