import NetSpecKernels

/// Group normalization of `[N, C, ...]` (PyTorch's `GroupNorm`): each sample's
/// channels are split into `groups` groups, each normalized over its channels
/// and positions together (the batch plays no part, so training and
/// inference agree), then scaled and shifted per channel.
public struct GroupNorm: Operator {
  public static let schema = OpSchema(
    name: "group_norm", category: .normalization,
    summary: "Group normalization of [N, C, ...]: per sample, over groups of channels and their positions.",
    attributes: [
      .required("groups", .int(1...65_536), "groups the channels are split into (must divide C)"),
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root"),
      .default("affine", .bool, .bool(true), "learn a per-channel scale (weight) and shift (bias)"),
    ],
    primary: "groups")

  public let groups: Int
  public let eps: Double
  public let affine: Bool

  public init(_ attributes: Attributes) {
    groups = attributes.int("groups")
    eps = attributes.float("eps")
    affine = attributes.bool("affine")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, C, ...]")
    let channels = try Self.channels(x)
    guard channels % groups == 0 else {
      let below = (1...min(groups, channels)).last { channels % $0 == 0 }!
      let above = (groups...max(groups, channels)).first { channels % $0 == 0 }
      let divisors = [below] + (above.map { [$0] } ?? [])
      throw ShapeError(
        .shapeMismatch, "groups \(groups) does not divide the \(channels) channels of \(x.shape.shapeDescription)",
        input: 0, attribute: "groups",
        help: "use a divisor of \(channels): \(divisors.map { "`\($0)`" }.joined(separator: " or "))")
    }
    return Self.inference(x, channels: channels, affine: affine)
  }

  public func groups(channels: Int) -> Int { groups }
}

/// What ``GroupNorm`` and ``InstanceNorm`` (one group per channel) share: the
/// parameters, and both passes as ``GroupNormKernels`` calls.
public protocol GroupedNormalization: ExecutableOperator {
  var eps: Double { get }
  /// Whether the op has a per-channel weight and bias.
  var affine: Bool { get }
  /// The groups of `channels` channels.
  func groups(channels: Int) -> Int
}

extension GroupedNormalization {
  /// The static channel count of a float `[N, C, ...]` input.
  static func channels(_ x: TensorType) throws(ShapeError) -> Int {
    try ShapeRules.requireFloat(x)
    return try ShapeRules.staticSize(x, axis: 1, what: "channel count")
  }

  /// The output (the input's type), the weight and bias when `affine`, and the FLOPs.
  static func inference(_ x: TensorType, channels: Int, affine: Bool) -> Inference {
    Inference(
      outputs: [x],
      parameters: affine
        ? [ParameterSpec("weight", [channels], .ones), ParameterSpec("bias", [channels], .zeros)] : [],
      // mean, variance (subtract, square, sum), normalize, scale and shift.
      flops: ShapeRules.flops(x, perElement: 8))
  }

  /// Channels, groups and positions per channel of per-sample `[C, ...]`.
  func sizes(_ shapes: OpShapes) -> (channels: Int, groups: Int, positions: Int) {
    let channels = shapes.inputs[0][0]
    return (channels, groups(channels: channels), shapes.inputCount(0) / channels)
  }

  /// Each group's mean and inverse standard deviation.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let groups = sizes(shapes).groups
    return [groups, groups]
  }

  /// The backward pass recomputes the normalized input from the input.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per sample and group: the statistics, then the normalized, scaled and
  /// shifted output (``GroupNormKernels``).
  public func forward(_ k: Kernel) {
    let (channels, groups, positions) = sizes(k.shapes)
    GroupNormKernels.forward(
      y: k.outputs[0], mean: k.saved[0], inverseStd: k.saved[1], x: k.inputs[0], weight: k.parameters.first,
      bias: k.parameters.last, batch: k.batch, channels: channels, groups: groups, positions: positions,
      epsilon: Float(eps), pool: k.pool)
  }

  /// `dx` through each group's statistics; per channel, `dweight` and `dbias`.
  public func backward(_ k: Kernel) {
    let (channels, groups, positions) = sizes(k.shapes)
    GroupNormKernels.backward(
      dx: k.inputGradients[0], dWeight: affine ? k.parameterGradients[0] : nil,
      dBias: affine ? k.parameterGradients[1] : nil, x: k.inputs[0], dy: k.outputGradients[0], mean: k.saved[0],
      inverseStd: k.saved[1], weight: k.parameters.first, batch: k.batch, channels: channels, groups: groups,
      positions: positions, accumulateInput: k.accumulateInput[0],
      accumulateWeight: affine && k.accumulateParameter[0], accumulateBias: affine && k.accumulateParameter[1],
      pool: k.pool)
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (channels, groups, positions) = sizes(s.shapes)
    code.call(
      "GroupNormKernels.forward",
      [
        "y": s.output(0), "mean": s.saved(0), "inverseStd": s.saved(1), "x": s.input(0),
        "weight": affine ? s.parameter(0) : "nil", "bias": affine ? s.parameter(1) : "nil", "batch": "n",
        "channels": "\(channels)", "groups": "\(groups)", "positions": "\(positions)",
        "epsilon": StepEmission.literal(eps), "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (channels, groups, positions) = sizes(s.shapes)
    let dx = s.inputGradient(0)
    let (dWeight, dBias) = affine ? (s.parameterGradient(0), s.parameterGradient(1)) : (nil, nil)
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    code.call(
      "GroupNormKernels.backward",
      [
        "dx": dx ?? "nil", "dWeight": dWeight ?? "nil", "dBias": dBias ?? "nil", "x": s.input(0),
        "dy": s.outputGradient(0), "mean": s.saved(0), "inverseStd": s.saved(1),
        "weight": affine ? s.parameter(0) : "nil", "batch": "n", "channels": "\(channels)", "groups": "\(groups)",
        "positions": "\(positions)", "accumulateInput": "\(s.accumulatesInput(0))",
        "accumulateWeight": "\(affine && s.accumulatesParameter(0))",
        "accumulateBias": "\(affine && s.accumulatesParameter(1))", "pool": "pool",
      ])
  }

  /// `InstanceNormalization` over `[N, G, C/G * positions]` (a reshape of the
  /// input; with unit scale and zero shift; the input itself with one group
  /// per channel), reshaped back, then the
  /// per-channel weight and bias broadcast over the positions.
  func exportGroupsONNX(_ onnx: ONNXNodeContext, groups: Int) {
    let shape = onnx.inputTypes[0].shape
    let rank = shape.count
    let channels = shape[1].staticValue!
    var normalized = onnx.outputs[0]
    if affine { normalized = onnx.temporary("normalized") }
    if groups == channels, rank >= 3 {
      let (scale, shift) = (
        onnx.constant("scale", [Float](repeating: 1, count: channels), shape: [channels]),
        onnx.constant("shift", [Float](repeating: 0, count: channels), shape: [channels])
      )
      onnx.add("InstanceNormalization", [onnx.inputs[0], scale, shift], [normalized], [.float("epsilon", eps)])
    } else {
      let (grouped, groupNormalized, inputShape) = (
        onnx.temporary("grouped"), onnx.temporary("group_normalized"), onnx.temporary("input_shape")
      )
      onnx.add("Reshape", [onnx.inputs[0], onnx.int64s("grouped_shape", [0, groups, -1])], [grouped])
      let (scale, shift) = (
        onnx.constant("scale", [Float](repeating: 1, count: groups), shape: [groups]),
        onnx.constant("shift", [Float](repeating: 0, count: groups), shape: [groups])
      )
      onnx.add("InstanceNormalization", [grouped, scale, shift], [groupNormalized], [.float("epsilon", eps)])
      onnx.add("Shape", [onnx.inputs[0]], [inputShape])
      onnx.add("Reshape", [groupNormalized, inputShape], [normalized])
    }
    guard affine else { return }
    let broadcast = [channels] + [Int](repeating: 1, count: rank - 2)
    let (weight, bias, scaled) = (onnx.temporary("weight"), onnx.temporary("bias"), onnx.temporary("scaled"))
    onnx.add("Reshape", [onnx.parameter("weight"), onnx.int64s("weight_shape", broadcast)], [weight])
    onnx.add("Reshape", [onnx.parameter("bias"), onnx.int64s("bias_shape", broadcast)], [bias])
    onnx.add("Mul", [normalized, weight], [scaled])
    onnx.add("Add", [scaled, bias], onnx.outputs)
  }
}

extension GroupNorm: GroupedNormalization, EmittableOperator {
  public static let examples = [
    OpExample(["groups": .int(2)], inputs: [.batch(4, 3)]),
    OpExample(["groups": .int(3), "eps": .float(1e-3)], inputs: [.batch(6, 2, 2)]),
    OpExample(["groups": .int(1), "affine": .bool(false)], inputs: [.batch(3, 2, 2)]),
    OpExample(["groups": .int(2)], inputs: [.batch(4)]),
  ]
}

extension GroupNorm: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    let affine = self.affine ? "" : ", affine=False"
    return "nn.GroupNorm(\(groups), \(layer.size(axis: 1)), eps=\(TorchLayer.number(eps))\(affine))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "\(layer.module)(\(layer.x))" }
}

extension GroupNorm: ONNXExportable {
  /// ONNX 17 has no `GroupNormalization`: ``GroupedNormalization/exportGroupsONNX(_:groups:)``.
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportGroupsONNX(onnx, groups: groups)
  }
}
