import Foundation
import NetSpecKernels

/// Rotary position embeddings on their own (RoPE, Su et al.'s RoFormer), as
/// attention's `rotary: true` applies them to its queries and keys: in each
/// head of width `d`, column `i` and column `i + d/2` are rotated at position
/// `t` by the angle `t * base^(-2i/d)` (Hugging Face LLaMA's `rotate_half`
/// pairing, ``RotaryEmbedding``).
///
/// The input is `[N, T, heads * d]` (heads side by side, as a projection
/// writes them; `heads` says how many) or `[N, heads, T, d]` (heads split, as
/// `apply_rotary_pos_emb` takes them; `heads` may be left out). The position
/// is the index along `T`. No parameters; the gradient rotates back by the
/// opposite angle.
public struct Rotary: Operator {
  public static let schema = OpSchema(
    name: "rotary", category: .attention,
    summary: "Rotary position embeddings of [N, T, heads*d] or [N, heads, T, d] (rotate_half pairing).",
    attributes: [
      .optional(
        "heads", .int(1...65536),
        "heads side by side in the last axis of [N, T, heads*d] (required there); for [N, heads, T, d], axis 1"),
      .default(
        "base", .float(1...1e12), .float(10000), "base of the rotation frequencies (RoFormer's and LLaMA's 10000)"),
    ],
    primary: "heads")

  public let heads: Int?
  public let base: Double

  public init(_ attributes: Attributes) {
    heads = attributes.has("heads") ? attributes.int("heads") : nil
    base = attributes.float("base")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    guard x.shape.count == 3 || x.shape.count == 4 else {
      throw ShapeError(
        .rankMismatch, "rotary embeddings need [N, T, heads*d] or [N, heads, T, d], got \(x.shape.shapeDescription)",
        input: 0, help: "reshape the input to one of those layouts")
    }
    let width = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    let headWidth: Int
    if x.shape.count == 3 {
      guard let heads else {
        throw ShapeError(
          .missingAttribute, "rotary embeddings of [N, T, heads*d] need the number of heads in the last axis",
          input: 0, help: "add `heads: H` (the attention's head count; `heads: 1` rotates the whole row as one head)")
      }
      guard width % heads == 0 else {
        throw ShapeError(
          .shapeMismatch, "the last axis (\(width)) cannot be split evenly into \(heads) heads", input: 0,
          attribute: "heads", help: "heads must divide \(width)")
      }
      headWidth = width / heads
    } else {
      let split = try ShapeRules.staticSize(x, axis: 1, what: "head count")
      if let heads, heads != split {
        throw ShapeError(
          .shapeMismatch, "`heads: \(heads)` does not match the input's \(split) heads [N, heads, T, d]", input: 0,
          attribute: "heads", help: "remove `heads` (axis 1 gives it) or make it \(split)")
      }
      headWidth = width
    }
    guard headWidth % 2 == 0 else {
      throw ShapeError(
        .shapeMismatch, "rotary embeddings rotate pairs of columns, but each head has \(headWidth) columns",
        input: 0, attribute: x.shape.count == 3 ? "heads" : nil, help: "use an even head width")
    }
    // Two products and a sum per element.
    return Inference(outputs: [x], flops: ShapeRules.flops(x, perElement: 3))
  }
}

extension Rotary: ExecutableOperator {
  public static let examples = [
    OpExample(["heads": .int(2)], inputs: [.batch(3, 8)]),
    OpExample(["heads": .int(1), "base": .float(100)], inputs: [.batch(5, 6)]),
    OpExample(inputs: [.batch(2, 4, 6)]),
    OpExample(["heads": .int(3), "base": .float(500)], inputs: [.batch(3, 4, 2)]),
  ]

  /// Both directions are linear maps of their input alone.
  public var backwardReads: BackwardReads { .nothing }

  /// The rotation of one call: rows `[rows, width]` in `steps` positions,
  /// `heads` heads per row, for per-sample shape `shape`.
  func layout(_ shape: [Int]) -> (rotary: RotaryEmbedding, rowsPerSample: Int, steps: Int) {
    if shape.count == 2 {
      return (RotaryEmbedding(width: shape[1], heads: heads ?? 1, base: base), shape[0], shape[0])
    }
    return (RotaryEmbedding(width: shape[2], heads: 1, base: base), shape[0] * shape[1], shape[1])
  }

  /// `y = rotate(x)` (``RotaryEmbedding/forward(y:x:rows:steps:)``).
  public func forward(_ k: Kernel) {
    let (rotary, rows, steps) = layout(k.shapes.inputs[0])
    rotary.forward(y: k.outputs[0], x: k.inputs[0], rows: k.batch * rows, steps: steps)
  }

  /// `dx = rotate^T(dy)`.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (rotary, rows, steps) = layout(k.shapes.inputs[0])
    rotary.backward(
      dx: dx, dy: k.outputGradients[0], rows: k.batch * rows, steps: steps, accumulate: k.accumulateInput[0])
  }
}

extension Rotary: EmittableOperator {
  /// `RotaryEmbedding(width: ..., heads: ..., base: ...)` for the step.
  private func rotaryLiteral(_ r: RotaryEmbedding) -> String {
    "RotaryEmbedding(width: \(r.width), heads: \(r.heads), base: \(r.base))"
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (rotary, rows, steps) = layout(s.shapes.inputs[0])
    code.call(
      "\(rotaryLiteral(rotary)).forward",
      ["y": s.output(0), "x": s.input(0), "rows": StepEmission.rows(rows), "steps": "\(steps)"])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (rotary, rows, steps) = layout(s.shapes.inputs[0])
    code.call(
      "\(rotaryLiteral(rotary)).backward",
      [
        "dx": dx, "dy": s.outputGradient(0), "rows": StepEmission.rows(rows), "steps": "\(steps)",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Rotary: TorchExportable {
  /// Hugging Face's `apply_rotary_pos_emb` on one tensor, with the angles
  /// computed in float64 as ``RotaryEmbedding`` does.
  static let torchFunction = """
    def rotary(x, heads, base):
        \"\"\"Rotary position embeddings (rotate_half pairing) of x [N, H, T, d], or of
        x [N, T, heads * d] with its heads side by side.\"\"\"
        if x.dim() == 3:
            n, t, f = x.shape
            heads_split = x.view(n, t, heads, f // heads).transpose(1, 2)
            return rotary(heads_split, heads, base).transpose(1, 2).reshape(n, t, f)
        steps, width = x.shape[-2], x.shape[-1]
        frequencies = base ** (-torch.arange(0, width, 2, dtype=torch.float64, device=x.device) / width)
        angles = torch.arange(steps, dtype=torch.float64, device=x.device)[:, None] * frequencies
        angles = torch.cat([angles, angles], -1)
        first, second = x[..., : width // 2], x[..., width // 2 :]
        return x * angles.cos().to(x.dtype) + torch.cat([-second, first], -1) * angles.sin().to(x.dtype)
    """

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    layer.define("rotary", Self.torchFunction)
    return "rotary(\(layer.x), \(heads ?? 1), \(TorchLayer.number(base)))"
  }
}

extension Rotary: ONNXExportable {
  /// `x * cos + rotate_half(x) * sin` (``exportRotation(_:_:steps:positionAxis:headWidth:splitHeads:base:_:output:)``);
  /// `[N, T, heads*d]` is split into heads with `Reshape` and joined back.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let shape = onnx.inputTypes[0].shape
    let width = shape[shape.count - 1].staticValue!
    guard shape.count == 3 else {
      _ = Self.exportRotation(
        onnx, onnx.inputs[0], steps: shape[2], positionAxis: 2, headWidth: width, splitHeads: false, base: base, "x",
        output: onnx.outputs[0])
      return
    }
    let heads = heads ?? 1
    let split = onnx.temporary("heads")
    onnx.add("Reshape", [onnx.inputs[0], onnx.int64s("heads_shape", [0, 0, heads, width / heads])], [split])
    let rotated = Self.exportRotation(
      onnx, split, steps: shape[1], positionAxis: 1, headWidth: width / heads, splitHeads: true, base: base, "x")
    onnx.add("Reshape", [rotated, onnx.int64s("joined_shape", [0, 0, width])], onnx.outputs)
  }

  /// Nodes rotating `x` by position: heads of `headWidth` in its last axis,
  /// positions along `positionAxis` (`steps` of them), `x * cos + rotate_half(x) * sin`,
  /// into `output` or a new temporary; returns its name. The `[steps, headWidth]`
  /// tables (`[steps, 1, headWidth]` when `splitHeads`: one more axis, the heads,
  /// follows the positions) are constants when `steps` is static, else computed
  /// from the positions `Range(T)` in float32. Attention's `rotary: true` exports
  /// through this too.
  static func exportRotation(
    _ onnx: ONNXNodeContext, _ x: String, steps: Dim, positionAxis: Int, headWidth: Int, splitHeads: Bool,
    base: Double, _ name: String, output: String? = nil
  ) -> String {
    let half = headWidth / 2
    let frequencies = (0..<headWidth).map { pow(base, -2 * Double($0 % half) / Double(headWidth)) }
    let signs: [Float] = (0..<headWidth).map { $0 < half ? -1 : 1 }
    let (cosines, sines): (String, String)
    if let steps = steps.staticValue {
      let angles = (0..<steps).flatMap { t in frequencies.map { Double(t) * $0 } }
      let shape = splitHeads ? [steps, 1, headWidth] : [steps, headWidth]
      cosines = onnx.constant("\(name)_cos_table", angles.map { Float(cos($0)) }, shape: shape)
      sines = onnx.constant(
        "\(name)_sin_table", angles.enumerated().map { Float(sin($1)) * signs[$0 % headWidth] }, shape: shape)
    } else {
      (cosines, sines) = dynamicTables(
        onnx, x, positionAxis: positionAxis, frequencies: frequencies.map(Float.init), signs: signs,
        splitHeads: splitHeads, name)
    }
    // rotate_half(x) * sin = [x2, x1] * [-sin, sin]: swap the halves, then one Mul.
    let (first, second, swapped) = (
      onnx.temporary("\(name)_first"), onnx.temporary("\(name)_second"), onnx.temporary("\(name)_swapped")
    )
    onnx.add("Split", [x, onnx.int64s("\(name)_halves", [half, half])], [first, second], [.int("axis", -1)])
    onnx.add("Concat", [second, first], [swapped], [.int("axis", -1)])
    let (scaled, turned) = (onnx.temporary("\(name)_cos"), onnx.temporary("\(name)_sin"))
    let rotated = output ?? onnx.temporary("\(name)_rotated")
    onnx.add("Mul", [x, cosines], [scaled])
    onnx.add("Mul", [swapped, sines], [turned])
    onnx.add("Add", [scaled, turned], [rotated])
    return rotated
  }

  /// The cosine and signed sine tables for a symbolic number of positions:
  /// `Range(0, T)` from `x`'s shape, times the frequencies, `Cos` and `Sin`.
  private static func dynamicTables(
    _ onnx: ONNXNodeContext, _ x: String, positionAxis: Int, frequencies: [Float], signs: [Float],
    splitHeads: Bool, _ name: String
  ) -> (String, String) {
    let width = frequencies.count
    let (count, positions, column, angles) = (
      onnx.temporary("\(name)_steps"), onnx.temporary("\(name)_positions"), onnx.temporary("\(name)_column"),
      onnx.temporary("\(name)_angles")
    )
    let (ids, cosines, sines, signed) = (
      onnx.temporary("\(name)_position_ids"), onnx.temporary("\(name)_cos_table"),
      onnx.temporary("\(name)_raw_sin"), onnx.temporary("\(name)_sin_table")
    )
    onnx.add("Squeeze", [onnx.dimension(x, axis: positionAxis), onnx.int64s("\(name)_scalar_axes", [0])], [count])
    let scalar = { (what: String, value: Int64) in
      onnx.builder.constant("\(onnx.name)/\(name)_\(what)", int64s: [value], shape: [])
    }
    onnx.add("Range", [scalar("start", 0), count, scalar("delta", 1)], [ids])
    onnx.add("Cast", [ids], [positions], [.int("to", 1)])
    onnx.add("Unsqueeze", [positions, onnx.int64s("\(name)_column_axes", [1])], [column])
    onnx.add("Mul", [column, onnx.constant("\(name)_frequencies", frequencies, shape: [width])], [angles])
    onnx.add("Cos", [angles], [cosines])
    onnx.add("Sin", [angles], [sines])
    onnx.add("Mul", [sines, onnx.constant("\(name)_signs", signs, shape: [width])], [signed])
    guard splitHeads else { return (cosines, signed) }
    let (cosineHeads, sineHeads) = (onnx.temporary("\(name)_cos_heads"), onnx.temporary("\(name)_sin_heads"))
    let axes = onnx.int64s("\(name)_head_axes", [1])
    onnx.add("Unsqueeze", [cosines, axes], [cosineHeads])
    onnx.add("Unsqueeze", [signed, axes], [sineHeads])
    return (cosineHeads, sineHeads)
  }
}
