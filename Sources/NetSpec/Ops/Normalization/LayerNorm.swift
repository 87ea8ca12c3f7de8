import NetSpecKernels

/// Layer normalization over a block of consecutive axes, by default the last
/// (PyTorch's `LayerNorm(D)`): each vector along those axes is normalized to
/// zero mean and unit variance, then scaled and shifted per element of the
/// block. `axis: 1` normalizes `[N, C, H, W]` over the channels at each pixel
/// (ConvNeXt's channels-first norm); `axes: [-2, -1]` is
/// `LayerNorm([H, W])`.
public struct LayerNorm: Operator {
  public static let schema = OpSchema(
    name: "layernorm", category: .normalization,
    summary: "Layer normalization over the last axis (or chosen axes), with a learned scale and shift.",
    attributes: [
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root"),
      .optional(
        "axis", .int(ShapeRules.axisRange),
        "the one axis to normalize over (default -1, the last); 1 is the channels of [N, C, H, W]"),
      .optional(
        "axes", .ints, "consecutive axes to normalize over, e.g. [-2, -1] (PyTorch's normalized_shape)"),
    ])

  public let eps: Double
  /// The normalized axes as written (negative ones count from the end).
  public let axes: [Int]
  /// Whether both `axis` and `axes` were given (an error of the shape rule).
  private let conflicting: Bool

  public init(_ attributes: Attributes) {
    eps = attributes.float("eps")
    conflicting = attributes.has("axis") && attributes.has("axes")
    axes = attributes.has("axes") ? attributes.ints("axes") : [attributes.has("axis") ? attributes.int("axis") : -1]
  }

  /// The normalized axes of a rank-`rank` input, resolved, as a range.
  func block(rank: Int) -> Range<Int> {
    let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
    return resolved[0]..<(resolved[resolved.count - 1] + 1)
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let attribute = axes.count == 1 && !conflicting ? "axis" : "axes"
    if conflicting {
      throw ShapeError(
        .valueOutOfRange, "`axis` and `axes` are both given", attribute: "axes",
        help: "give `axis` for one axis or `axes` for several, not both")
    }
    guard !axes.isEmpty else {
      throw ShapeError(.valueOutOfRange, "`axes` is empty", attribute: "axes", help: "list at least one axis")
    }
    var resolved: [Int] = []
    for axis in axes { resolved.append(try ShapeRules.axis(axis, of: x, attribute: attribute)) }
    guard resolved == Array(resolved[0]..<(resolved[0] + resolved.count)) else {
      throw ShapeError(
        .valueOutOfRange, "axes \(axes) are not consecutive increasing axes of \(x.shape.shapeDescription)",
        attribute: "axes", help: "list neighbouring axes in order, e.g. [-2, -1]")
    }
    guard resolved[0] > 0 else {
      throw ShapeError(
        .valueOutOfRange, "layernorm cannot normalize over the batch axis 0 of \(x.shape.shapeDescription)",
        attribute: attribute, help: "normalize over axes after the batch axis, e.g. 1 or -1")
    }
    var shape: [Int] = []
    for axis in resolved { shape.append(try ShapeRules.staticSize(x, axis: axis, what: "feature size")) }
    _ = try ShapeRules.parameterCount(shape)
    return Inference(
      outputs: [x],
      parameters: [ParameterSpec("weight", shape, .ones), ParameterSpec("bias", shape, .zeros)],
      // mean, variance (subtract, square, sum), normalize, scale and shift.
      flops: ShapeRules.flops(x, perElement: 8))
  }

  /// The normalized vectors' length, and how many floats apart their
  /// elements are, for per-sample `shape`.
  private func layout(_ shape: [Int]) -> (features: Int, inner: Int) {
    let axes = block(rank: shape.count + 1)
    return (
      shape[(axes.lowerBound - 1)..<(axes.upperBound - 1)].reduce(1, *), shape[(axes.upperBound - 1)...].reduce(1, *)
    )
  }
}

extension LayerNorm: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(5)]),
    OpExample(inputs: [.batch(3, 6)]),
    OpExample(["eps": .float(1e-2)], inputs: [.batch(2, 2, 4)]),
    OpExample(["axis": .int(1)], inputs: [.batch(3, 2, 2)]),
    OpExample(["axes": .exampleInts([-2, -1])], inputs: [.batch(2, 3, 2)]),
    OpExample(["axes": .exampleInts([1, 2])], inputs: [.batch(2, 2, 3)]),
  ]

  /// The mean and the inverse standard deviation of each normalized vector.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let rows = shapes.inputCount(0) / layout(shapes.inputs[0]).features
    return [rows, rows]
  }

  /// The backward pass forms `g = dy * weight` here, one row at a time (or,
  /// over other axes, two sums per vector).
  public func workspace(_ shapes: OpShapes) -> Int {
    max(shapes.inputCount(0), 2 * shapes.inputCount(0) / layout(shapes.inputs[0]).features)
  }

  /// The backward pass recomputes the normalized input from the input.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per row (in parallel): mean, variance (two passes), then
  /// `y = (x - mean) / std * weight + bias` (``LayerNormKernels``).
  public func forward(_ k: Kernel) {
    let (features, inner) = layout(k.shapes.inputs[0])
    LayerNormKernels.forward(
      x: k.inputs[0], y: k.outputs[0], weight: k.parameters[0], bias: k.parameters[1], mean: k.saved[0],
      inverseStd: k.saved[1], rows: k.batch * k.shapes.inputCount(0) / features, features: features, inner: inner,
      epsilon: Float(eps), pool: k.pool)
  }

  /// With `g = dy * weight` and `xhat = (x - mean) / std` per row:
  /// `dx = (g - mean(g) - xhat * mean(g * xhat)) / std`; over the rows,
  /// `dweight = sum(dy * xhat)` and `dbias = sum(dy)` (``LayerNormKernels``).
  public func backward(_ k: Kernel) {
    let (features, inner) = layout(k.shapes.inputs[0])
    LayerNormKernels.backward(
      x: k.inputs[0], outputGradient: k.outputGradients[0], weight: k.parameters[0], mean: k.saved[0],
      inverseStd: k.saved[1], workspace: k.workspace!, inputGradient: k.inputGradients[0],
      accumulateInput: k.accumulateInput[0], weightGradient: k.parameterGradients[0],
      accumulateWeight: k.accumulateParameter[0], biasGradient: k.parameterGradients[1],
      accumulateBias: k.accumulateParameter[1], rows: k.batch * k.shapes.inputCount(0) / features,
      features: features, inner: inner, pool: k.pool)
  }
}

extension LayerNorm: EmittableOperator {
  /// One call to ``LayerNormKernels/forward(x:y:weight:bias:mean:inverseStd:rows:features:inner:epsilon:pool:)``.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (features, inner) = layout(s.shapes.inputs[0])
    code.line("LayerNormKernels.forward(")
    code.line("  x: \(s.input(0)), y: \(s.output(0)), weight: \(s.parameter(0)), bias: \(s.parameter(1)),")
    code.line(
      "  mean: \(s.saved(0)), inverseStd: \(s.saved(1)), rows: \(StepEmission.rows(s.shapes.inputCount(0) / features)), features: \(features), inner: \(inner),"
    )
    code.line("  epsilon: \(StepEmission.literal(eps)), pool: pool)")
  }

  /// One call to the backward kernel, with the plan's gradient buffers.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (features, inner) = layout(s.shapes.inputs[0])
    let dx = s.inputGradient(0)
    let (dWeight, dBias) = (s.parameterGradient(0), s.parameterGradient(1))
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    code.line("LayerNormKernels.backward(")
    code.line(
      "  x: \(s.input(0)), outputGradient: \(s.outputGradient(0)), weight: \(s.parameter(0)), mean: \(s.saved(0)), inverseStd: \(s.saved(1)),"
    )
    code.line(
      "  workspace: \(s.workspace), inputGradient: \(dx ?? "nil"), accumulateInput: \(s.accumulatesInput(0)),")
    code.line("  weightGradient: \(dWeight ?? "nil"), accumulateWeight: \(s.accumulatesParameter(0)),")
    code.line("  biasGradient: \(dBias ?? "nil"), accumulateBias: \(s.accumulatesParameter(1)),")
    code.line(
      "  rows: \(StepEmission.rows(s.shapes.inputCount(0) / features)), features: \(features), inner: \(inner), pool: pool)"
    )
  }
}

extension LayerNorm: TorchExportable {
  /// `nn.LayerNorm` over the normalized shape; axes before others are moved
  /// last around it (`x.permute(...)`) and back.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    let rank = layer.inputTypes[0].rank
    let sizes = block(rank: rank).map { String(layer.size(axis: $0)) }
    let shape = sizes.count == 1 ? sizes[0] : "[\(sizes.joined(separator: ", "))]"
    return "nn.LayerNorm(\(shape), eps=\(TorchLayer.number(eps)))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let rank = layer.inputTypes[0].rank
    let (perm, inverse) = permutation(rank: rank)
    guard perm != Array(0..<rank) else { return "\(layer.module)(\(layer.x))" }
    func list(_ axes: [Int]) -> String { axes.map(String.init).joined(separator: ", ") }
    return "\(layer.module)(\(layer.x).permute(\(list(perm)))).permute(\(list(inverse)))"
  }

  /// The permutation moving the normalized axes last, and its inverse.
  func permutation(rank: Int) -> (perm: [Int], inverse: [Int]) {
    let axes = block(rank: rank)
    let perm = (0..<rank).filter { !axes.contains($0) } + Array(axes)
    var inverse = [Int](repeating: 0, count: rank)
    for (i, axis) in perm.enumerated() { inverse[axis] = i }
    return (perm, inverse)
  }
}

extension LayerNorm: ONNXExportable {
  /// `LayerNormalization` (opset 17) from the first normalized axis; axes
  /// before others are transposed last around it and back.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let rank = onnx.inputTypes[0].rank
    let axes = block(rank: rank)
    let parameters = [onnx.parameter("weight"), onnx.parameter("bias")]
    let attributes: [ONNXAttribute] = [.int("axis", rank - axes.count), .float("epsilon", eps)]
    guard axes.upperBound < rank else {
      onnx.add("LayerNormalization", [onnx.inputs[0]] + parameters, onnx.outputs, attributes)
      return
    }
    let (perm, inverse) = permutation(rank: rank)
    let (moved, normalized) = (onnx.temporary("moved"), onnx.temporary("normalized"))
    onnx.add("Transpose", onnx.inputs, [moved], [.ints("perm", perm)])
    onnx.add("LayerNormalization", [moved] + parameters, [normalized], attributes)
    onnx.add("Transpose", [normalized], onnx.outputs, [.ints("perm", inverse)])
  }
}
