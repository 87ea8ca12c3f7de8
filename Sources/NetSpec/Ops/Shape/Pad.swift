import NetSpecKernels

/// Pads the last axis (`padding: [left, right]`) or the last two axes
/// (`[left, right, top, bottom]`), PyTorch's `F.pad` with its amounts in its
/// order: with a constant `value`, the input mirrored at its edges (`reflect`)
/// or the edge repeated (`replicate`).
public struct Pad: Operator {
  public static let schema = OpSchema(
    name: "pad", category: .shape,
    summary: "Pads the last one or two axes (constant, reflect or replicate), as F.pad.",
    attributes: [
      .required(
        "padding", .ints,
        "amounts in F.pad's order: [left, right] for the last axis, [left, right, top, bottom] for the last two"),
      .default(
        "mode", .choice(["constant", "reflect", "replicate"]), .string("constant"),
        "what the border holds: `value`, the input mirrored at its edge, or the edge repeated"),
      .optional("value", .float(-1e38...1e38), "the constant of `mode: constant` (default 0)"),
    ],
    primary: "padding")

  public let padding: [Int]
  public let mode: PadMode
  public let value: Double?

  public init(_ attributes: Attributes) {
    padding = attributes.ints("padding")
    mode =
      switch attributes.string("mode") {
      case "reflect": .reflect
      case "replicate": .replicate
      default: .constant
      }
    value = attributes.has("value") ? attributes.float("value") : nil
  }

  /// The mode's name in a spec and in PyTorch.
  private var modeName: String {
    switch mode {
    case .constant: "constant"
    case .reflect: "reflect"
    case .replicate: "replicate"
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    guard padding.count == 2 || padding.count == 4 else {
      throw ShapeError(
        .valueOutOfRange, "`padding` lists \(padding.count) amounts, expected 2 or 4", attribute: "padding",
        help: "write [left, right] to pad the last axis or [left, right, top, bottom] for the last two")
    }
    if let negative = padding.first(where: { $0 < 0 }) {
      throw ShapeError(
        .valueOutOfRange, "padding amount \(negative) is negative", attribute: "padding",
        help: "amounts are at least 0 (cropping is not supported)")
    }
    if mode != .constant, value != nil {
      throw ShapeError(
        .valueOutOfRange, "`value` applies to `mode: constant` only, not `\(modeName)`", attribute: "value",
        help: "remove `value` (PyTorch rejects it with this mode too)")
    }
    let padded = padding.count / 2
    if mode == .constant {
      try ShapeRules.requireRank(x, atLeast: padded + 1, layout: "[N, ...] with \(padded) padded axes after N")
    } else {
      // PyTorch's batched and unbatched forms: [N, W] or [N, C, W]; [N, H, W] or [N, C, H, W].
      guard x.rank == padded + 1 || x.rank == padded + 2 else {
        let layouts = padded == 1 ? "[N, W] or [N, C, W]" : "[N, H, W] or [N, C, H, W]"
        let axes = padded == 1 ? "the last axis" : "the last two axes"
        throw ShapeError(
          .rankMismatch,
          "`\(modeName)` padding of \(axes) expects an input \(layouts), got \(x.shape.shapeDescription)",
          input: 0, help: "PyTorch pads \(axes) of such inputs only; `mode: constant` takes any rank")
      }
    }
    var shape = x.shape
    for k in 0..<padded {
      let axis = x.rank - 1 - k
      let (before, after) = (padding[2 * k], padding[2 * k + 1])
      let size = try ShapeRules.staticSize(x, axis: axis, what: "padded size")
      if mode == .reflect, before >= size || after >= size {
        throw ShapeError(
          .valueOutOfRange,
          "reflect padding (\(before), \(after)) of axis \(axis) must be less than its size \(size) in \(x.shape.shapeDescription)",
          input: 0, attribute: "padding",
          help: "reflect pads at most size - 1 per side (as PyTorch); use `replicate` or less")
      }
      shape[axis] = Dim(size + before + after)
    }
    let output = TensorType(shape)
    _ = try ShapeRules.product(shape, what: "padded size")
    return Inference(outputs: [output], flops: 0)
  }

  /// The padded plane for a per-sample input shape, and the planes per sample.
  func geometry(_ shape: [Int]) -> (geometry: PadGeometry, planes: Int) {
    let twoAxes = padding.count == 4
    let width = shape[shape.count - 1]
    let height = twoAxes ? shape[shape.count - 2] : 1
    let geometry = PadGeometry(
      height: height, width: width, top: twoAxes ? padding[2] : 0, bottom: twoAxes ? padding[3] : 0,
      left: padding[0], right: padding[1])
    return (geometry, shape.reduce(1, *) / (height * width))
  }
}

extension Pad: ExecutableOperator {
  public static let examples = [
    OpExample(["padding": .exampleInts([1, 2])], inputs: [.batch(2, 3)]),
    OpExample(["padding": .exampleInts([1, 0, 2, 1]), "value": .float(0.5)], inputs: [.batch(2, 2, 3)]),
    OpExample(["padding": .exampleInts([2, 1, 1, 2]), "mode": .string("reflect")], inputs: [.batch(2, 3, 4)]),
    OpExample(["padding": .exampleInts([2, 3]), "mode": .string("replicate")], inputs: [.batch(2, 3)]),
    OpExample(["padding": .exampleInts([0, 2, 3, 1]), "mode": .string("replicate")], inputs: [.batch(1, 2, 2)]),
  ]

  /// The backward pass needs only the geometry.
  public var backwardReads: BackwardReads { .nothing }

  /// Per plane, each output pixel from the input or the constant (``PadKernels``).
  public func forward(_ k: Kernel) {
    let (geometry, planes) = geometry(k.shapes.inputs[0])
    PadKernels.forward(
      y: k.outputs[0], x: k.inputs[0], planes: k.batch * planes, geometry: geometry, mode: mode,
      value: Float(value ?? 0), pool: k.pool)
  }

  /// Each output gradient added to the input pixel it read.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (geometry, planes) = geometry(k.shapes.inputs[0])
    PadKernels.backward(
      dx: dx, dy: k.outputGradients[0], planes: k.batch * planes, geometry: geometry, mode: mode,
      accumulate: k.accumulateInput[0], pool: k.pool)
  }
}

extension Pad: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (geometry, planes) = geometry(s.shapes.inputs[0])
    code.call(
      "PadKernels.forward",
      [
        "y": s.output(0), "x": s.input(0), "planes": StepEmission.rows(planes), "geometry": geometry.swiftLiteral,
        "mode": mode.swiftLiteral, "value": StepEmission.literal(value ?? 0), "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (geometry, planes) = geometry(s.shapes.inputs[0])
    code.call(
      "PadKernels.backward",
      [
        "dx": dx, "dy": s.outputGradient(0), "planes": StepEmission.rows(planes), "geometry": geometry.swiftLiteral,
        "mode": mode.swiftLiteral, "accumulate": "\(s.accumulatesInput(0))", "pool": "pool",
      ])
  }
}

extension Pad: TorchExportable {
  /// `F.pad` with the same amounts and mode.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let amounts = "(\(padding.map(String.init).joined(separator: ", ")))"
    let constant = mode == .constant && value != nil ? ", value=\(TorchLayer.number(value!))" : ""
    return "F.pad(\(layer.x), \(amounts), mode=\"\(modeName)\"\(constant))"
  }
}

extension Pad: ONNXExportable {
  /// `Pad` (opset 17) with every axis's begin and end amounts, mode
  /// `constant` (with the value), `reflect` or `edge`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let rank = onnx.inputTypes[0].rank
    var (begins, ends) = ([Int](repeating: 0, count: rank), [Int](repeating: 0, count: rank))
    for k in 0..<(padding.count / 2) {
      (begins[rank - 1 - k], ends[rank - 1 - k]) = (padding[2 * k], padding[2 * k + 1])
    }
    let pads = onnx.int64s("pads", begins + ends)
    switch mode {
    case .constant:
      onnx.add(
        "Pad", [onnx.inputs[0], pads, onnx.scalar("value", Float(value ?? 0))], onnx.outputs,
        [.string("mode", "constant")])
    case .reflect: onnx.add("Pad", [onnx.inputs[0], pads], onnx.outputs, [.string("mode", "reflect")])
    case .replicate: onnx.add("Pad", [onnx.inputs[0], pads], onnx.outputs, [.string("mode", "edge")])
    }
  }
}
