import NetSpecKernels

/// Moves channels into space, PyTorch's `PixelShuffle(r)`: `[N, C*r*r, H, W]`
/// becomes `[N, C, H*r, W*r]`, output pixel `(h*r + i, w*r + j)` of channel `c`
/// being input channel `c*r*r + i*r + j` at `(h, w)` (ESPCN's sub-pixel
/// convolution). A permutation of `[N, C, r, r, H, W]` to `[N, C, H, r, W, r]`.
public struct PixelShuffle: Operator {
  public static let schema = OpSchema(
    name: "pixel_shuffle", category: .shape,
    summary: "Rearranges [N, C*r*r, H, W] into [N, C, H*r, W*r] (sub-pixel upsampling).",
    attributes: [.required("upscale_factor", .int(1...256), "r: each channel group of r*r becomes an r x r block")],
    primary: "upscale_factor")

  public let factor: Int

  public init(_ attributes: Attributes) {
    factor = attributes.int("upscale_factor")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let (channels, height, width) = try Self.sizes(x)
    let blocks = factor * factor
    guard channels % blocks == 0 else {
      throw ShapeError(
        .shapeMismatch,
        "the \(channels) channels of \(x.shape.shapeDescription) do not divide by upscale_factor^2 = \(blocks)",
        input: 0, attribute: "upscale_factor", help: "the channel count must be a multiple of \(blocks)")
    }
    return Inference(
      outputs: [TensorType([x.shape[0], Dim(channels / blocks), Dim(height * factor), Dim(width * factor)])])
  }

  /// `[C, r, r, H, W]` per sample, and the axis order of `[C, H, r, W, r]` (batch axis 0 included).
  public func view(_ shapes: OpShapes) -> (shape: [Int], perm: [Int]) {
    let input = shapes.inputs[0]
    return ([input[0] / (factor * factor), factor, factor, input[1], input[2]], [0, 1, 4, 2, 5, 3])
  }
}

/// Moves space into channels, PyTorch's `PixelUnshuffle(r)`: the inverse of
/// ``PixelShuffle``, `[N, C, H*r, W*r]` becoming `[N, C*r*r, H, W]`.
public struct PixelUnshuffle: Operator {
  public static let schema = OpSchema(
    name: "pixel_unshuffle", category: .shape,
    summary: "Rearranges [N, C, H*r, W*r] into [N, C*r*r, H, W] (the inverse of pixel_shuffle).",
    attributes: [.required("downscale_factor", .int(1...256), "r: each r x r block becomes r*r channels")],
    primary: "downscale_factor")

  public let factor: Int

  public init(_ attributes: Attributes) {
    factor = attributes.int("downscale_factor")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let (channels, height, width) = try Self.sizes(x)
    for (axis, size) in [("height", height), ("width", width)] where size % factor != 0 {
      throw ShapeError(
        .shapeMismatch,
        "the \(axis) \(size) of \(x.shape.shapeDescription) does not divide by downscale_factor \(factor)",
        input: 0, attribute: "downscale_factor", help: "height and width must be multiples of \(factor)")
    }
    let output = [x.shape[0], Dim(channels * factor * factor), Dim(height / factor), Dim(width / factor)]
    _ = try ShapeRules.product(output, what: "output size")
    return Inference(outputs: [TensorType(output)])
  }

  /// `[C, H, r, W, r]` per sample, and the axis order of `[C, r, r, H, W]` (batch axis 0 included).
  public func view(_ shapes: OpShapes) -> (shape: [Int], perm: [Int]) {
    let input = shapes.inputs[0]
    return ([input[0], input[1] / factor, factor, input[2] / factor, factor], [0, 1, 3, 5, 2, 4])
  }
}

/// What ``PixelShuffle`` and ``PixelUnshuffle`` share: the input check, and
/// both passes as one ``PermuteKernel`` call on a view of the input.
public protocol PixelShuffling: ExecutableOperator {
  /// The per-sample input viewed with the factor as axes, and the permutation to apply to it.
  func view(_ shapes: OpShapes) -> (shape: [Int], perm: [Int])
}

extension PixelShuffling {
  /// The static channels, height and width of a float `[N, C, H, W]` input.
  static func sizes(_ x: TensorType) throws(ShapeError) -> (Int, Int, Int) {
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    return (
      try ShapeRules.staticSize(x, axis: 1, what: "channel count"),
      try ShapeRules.staticSize(x, axis: 2, what: "height"), try ShapeRules.staticSize(x, axis: 3, what: "width")
    )
  }

  /// The data moves only.
  public var backwardReads: BackwardReads { .nothing }

  /// Gathers the output from the permuted view (``PermuteKernel``).
  public func forward(_ k: Kernel) {
    let (shape, perm) = view(k.shapes)
    PermuteKernel.permute(
      y: k.outputs[0], x: k.inputs[0], batch: k.batch, shape: shape, perm: perm, scatter: false, accumulate: false)
  }

  /// Scatters each output gradient back to where its value came from.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (shape, perm) = view(k.shapes)
    PermuteKernel.permute(
      y: dx, x: k.outputGradients[0], batch: k.batch, shape: shape, perm: perm, scatter: true,
      accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (shape, perm) = view(s.shapes)
    code.call(
      "PermuteKernel.permute",
      [
        "y": s.output(0), "x": s.input(0), "batch": "n", "shape": "\(shape)", "perm": "\(perm)", "scatter": "false",
        "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (shape, perm) = view(s.shapes)
    code.call(
      "PermuteKernel.permute",
      [
        "y": dx, "x": s.outputGradient(0), "batch": "n", "shape": "\(shape)", "perm": "\(perm)", "scatter": "true",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension PixelShuffle: PixelShuffling, EmittableOperator {
  public static let examples = [
    OpExample(["upscale_factor": .int(2)], inputs: [.batch(8, 2, 3)]),
    OpExample(["upscale_factor": .int(3)], inputs: [.batch(9, 1, 2)]),
  ]
}

extension PixelUnshuffle: PixelShuffling, EmittableOperator {
  public static let examples = [
    OpExample(["downscale_factor": .int(2)], inputs: [.batch(2, 4, 6)]),
    OpExample(["downscale_factor": .int(3)], inputs: [.batch(1, 3, 6)]),
  ]
}

extension PixelShuffle: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.pixel_shuffle(\(layer.x), \(factor))"
  }
}

extension PixelUnshuffle: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.pixel_unshuffle(\(layer.x), \(factor))"
  }
}

extension PixelShuffle: ONNXExportable {
  /// `DepthToSpace` in `CRD` order, PyTorch's channel order.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("DepthToSpace", onnx.inputs, onnx.outputs, [.int("blocksize", factor), .string("mode", "CRD")])
  }
}

extension PixelUnshuffle: ONNXExportable {
  /// `Reshape` to `[N, C, H, r, W, r]`, `Transpose` to `[N, C, r, r, H, W]` and
  /// `Reshape` to the output (ONNX's `SpaceToDepth` orders channels differently).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let input = onnx.inputTypes[0].shape.dropFirst().map { $0.staticValue! }
    let output = onnx.outputTypes[0].shape.dropFirst().map { $0.staticValue! }
    let (view, moved) = (onnx.temporary("view"), onnx.temporary("moved"))
    onnx.add(
      "Reshape",
      [
        onnx.inputs[0], onnx.int64s("view_shape", [0, input[0], input[1] / factor, factor, input[2] / factor, factor]),
      ],
      [view])
    onnx.add("Transpose", [view], [moved], [.ints("perm", [0, 1, 3, 5, 2, 4])])
    onnx.add("Reshape", [moved, onnx.int64s("output_shape", [0] + output)], onnx.outputs)
  }
}
