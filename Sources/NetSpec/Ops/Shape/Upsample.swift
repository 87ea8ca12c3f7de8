import NetSpecKernels

/// Resamples the planes of `[N, C, H, W]` to a larger (or smaller) size,
/// PyTorch's `F.interpolate`: by `scale_factor` (the output size rounded
/// down, the source positions from `1 / scale_factor`) or to a `size`, with
/// `nearest` (PyTorch's index rule `floor(o * ratio)`) or `bilinear`
/// interpolation (`align_corners` as PyTorch's).
public struct Upsample: Operator {
  public static let schema = OpSchema(
    name: "upsample", category: .shape,
    summary: "Resamples [N, C, H, W] by a scale factor or to a size (nearest or bilinear, as F.interpolate).",
    attributes: [
      .optional(
        "scale_factor", .float(1e-3...4096), "output size = floor(input size * scale_factor), on height and width"),
      .optional("size", .pair(1...65_536), "the output size: s or [height, width] (instead of scale_factor)"),
      .default("mode", .choice(["nearest", "bilinear"]), .string("nearest"), "how output pixels read the input"),
      .optional(
        "align_corners", .bool,
        "bilinear only: corner pixels of input and output line up (PyTorch's default: false)"),
    ],
    primary: "scale_factor")

  public let scaleFactor: Double?
  public let size: (Int, Int)?
  public let mode: ResampleMode
  public let alignCorners: Bool?

  public init(_ attributes: Attributes) {
    scaleFactor = attributes.has("scale_factor") ? attributes.float("scale_factor") : nil
    size = attributes.has("size") ? attributes.pair("size") : nil
    mode = attributes.string("mode") == "bilinear" ? .bilinear : .nearest
    alignCorners = attributes.has("align_corners") ? attributes.bool("align_corners") : nil
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    let height = try ShapeRules.staticSize(x, axis: 2, what: "height")
    let width = try ShapeRules.staticSize(x, axis: 3, what: "width")
    if scaleFactor != nil, size != nil {
      throw ShapeError(
        .valueOutOfRange, "`scale_factor` and `size` are both given", attribute: "size",
        help: "give one of them, as F.interpolate")
    }
    if mode == .nearest, alignCorners != nil {
      throw ShapeError(
        .valueOutOfRange, "`align_corners` applies to bilinear upsampling only", attribute: "align_corners",
        help: "remove `align_corners`, or set `mode: bilinear` (PyTorch rejects it with nearest too)")
    }
    let (outputHeight, outputWidth) = try outputSize(height: height, width: width)
    let output = TensorType([x.shape[0], x.shape[1], Dim(outputHeight), Dim(outputWidth)])
    // Bilinear: four weighted reads and three adds per output pixel.
    return Inference(outputs: [output], flops: ShapeRules.flops(output, perElement: mode == .nearest ? 0 : 11))
  }

  /// The output height and width: `size`, or the input's times
  /// `scale_factor` rounded down (at least 1).
  private func outputSize(height: Int, width: Int) throws(ShapeError) -> (Int, Int) {
    if let size { return size }
    guard let scaleFactor else {
      throw ShapeError(
        .missingAttribute, "`upsample` needs `scale_factor` or `size`", attribute: nil,
        help: "add `scale_factor: 2` or `size: [h, w]`")
    }
    var sizes: [Int] = []
    for (axis, input) in [("height", height), ("width", width)] {
      let scaled = (Double(input) * scaleFactor).rounded(.down)
      guard scaled >= 1, scaled <= Double(Dim.limit) else {
        throw ShapeError(
          .nonPositiveDimension,
          "scale_factor \(scaleFactor) turns the input \(axis) \(input) into \(Int(max(0, min(scaled, 1e18))))",
          attribute: "scale_factor", help: "use a scale factor that keeps every size at least 1")
      }
      sizes.append(Int(scaled))
    }
    return (sizes[0], sizes[1])
  }

  /// The row and column axes for per-sample shapes `[C, H, W]` -> `[C, h, w]`.
  func axes(_ shapes: OpShapes) -> (rows: ResampleAxis, columns: ResampleAxis) {
    let (input, output) = (shapes.inputs[0], shapes.outputs[0])
    let corners = alignCorners ?? false
    return (
      ResampleAxis(input: input[1], output: output[1], scaleFactor: scaleFactor, alignCorners: corners),
      ResampleAxis(input: input[2], output: output[2], scaleFactor: scaleFactor, alignCorners: corners)
    )
  }
}

extension Upsample: ExecutableOperator {
  public static let examples = [
    OpExample(["scale_factor": .float(2)], inputs: [.batch(2, 3, 2)]),
    OpExample(["size": .exampleInts([5, 3]), "mode": .string("nearest")], inputs: [.batch(1, 3, 2)]),
    OpExample(["scale_factor": .float(1.5), "mode": .string("bilinear")], inputs: [.batch(2, 3, 4)]),
    OpExample(
      ["size": .exampleInts([4, 5]), "mode": .string("bilinear"), "align_corners": .bool(true)],
      inputs: [.batch(1, 3, 2)]),
  ]

  /// The backward pass needs only the geometry.
  public var backwardReads: BackwardReads { .nothing }

  /// Per plane, each output pixel from the input (``ResampleKernels``).
  public func forward(_ k: Kernel) {
    let (rows, columns) = axes(k.shapes)
    ResampleKernels.forward(
      y: k.outputs[0], x: k.inputs[0], planes: k.batch * k.shapes.inputs[0][0], rows: rows, columns: columns,
      mode: mode, pool: k.pool)
  }

  /// Each output gradient added back to the pixels it read, with their weights.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (rows, columns) = axes(k.shapes)
    ResampleKernels.backward(
      dx: dx, dy: k.outputGradients[0], planes: k.batch * k.shapes.inputs[0][0], rows: rows, columns: columns,
      mode: mode, accumulate: k.accumulateInput[0], pool: k.pool)
  }
}

extension Upsample: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (rows, columns) = axes(s.shapes)
    code.call(
      "ResampleKernels.forward",
      [
        "y": s.output(0), "x": s.input(0), "planes": StepEmission.rows(s.shapes.inputs[0][0]),
        "rows": rows.swiftLiteral, "columns": columns.swiftLiteral, "mode": mode.swiftLiteral, "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (rows, columns) = axes(s.shapes)
    code.call(
      "ResampleKernels.backward",
      [
        "dx": dx, "dy": s.outputGradient(0), "planes": StepEmission.rows(s.shapes.inputs[0][0]),
        "rows": rows.swiftLiteral, "columns": columns.swiftLiteral, "mode": mode.swiftLiteral,
        "accumulate": "\(s.accumulatesInput(0))", "pool": "pool",
      ])
  }
}

extension Upsample: TorchExportable {
  /// `F.interpolate` with the same arguments.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let target = size.map { "size=\(TorchLayer.pair($0))" } ?? "scale_factor=\(TorchLayer.number(scaleFactor ?? 1))"
    let corners = mode == .bilinear ? ", align_corners=\(alignCorners == true ? "True" : "False")" : ""
    return "F.interpolate(\(layer.x), \(target), mode=\"\(mode == .nearest ? "nearest" : "bilinear")\"\(corners))"
  }
}

extension Upsample: ONNXExportable {
  /// `Resize` (opset 17): nearest as `asymmetric` coordinates rounded down,
  /// bilinear as `linear` with `align_corners` or `pytorch_half_pixel`; by
  /// `scales` for a scale factor, else by `sizes` (the input's `[N, C]` and
  /// the static `[h, w]`).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let attributes: [ONNXAttribute] =
      mode == .nearest
      ? [
        .string("mode", "nearest"), .string("coordinate_transformation_mode", "asymmetric"),
        .string("nearest_mode", "floor"),
      ]
      : [
        .string("mode", "linear"),
        .string("coordinate_transformation_mode", alignCorners == true ? "align_corners" : "pytorch_half_pixel"),
      ]
    if let scaleFactor {
      let factor = Float(scaleFactor)
      let scales = onnx.constant("scales", [1, 1, factor, factor], shape: [4])
      onnx.add("Resize", [onnx.inputs[0], "", scales], onnx.outputs, attributes)
      return
    }
    let shape = onnx.outputTypes[0].shape
    let (inputShape, batchAndChannels) = (onnx.temporary("input_shape"), onnx.temporary("batch_and_channels"))
    let sizes = onnx.temporary("sizes")
    onnx.add("Shape", [onnx.inputs[0]], [inputShape])
    onnx.add("Slice", [inputShape, onnx.int64s("start", [0]), onnx.int64s("end", [2])], [batchAndChannels])
    onnx.add(
      "Concat", [batchAndChannels, onnx.int64s("size", [shape[2].staticValue!, shape[3].staticValue!])], [sizes],
      [.int("axis", 0)])
    onnx.add("Resize", [onnx.inputs[0], "", "", sizes], onnx.outputs, attributes)
  }
}
