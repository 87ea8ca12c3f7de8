import NetSpecKernels

/// Instance normalization of `[N, C, ...]` (PyTorch's `InstanceNorm1d`/`2d`/`3d`
/// with its defaults): each channel of each sample normalized over its
/// positions, in training and inference alike (no running statistics, as
/// PyTorch's `track_running_stats=False`), with a per-channel scale and shift
/// only when `affine` (PyTorch's default: false). Group normalization with one
/// group per channel.
public struct InstanceNorm: Operator {
  public static let schema = OpSchema(
    name: "instance_norm", category: .normalization,
    summary: "Instance normalization of [N, C, ...]: each channel of each sample over its positions.",
    attributes: [
      .default("eps", .float(1e-12...1), .float(1e-5), "added to the variance before the square root"),
      .default("affine", .bool, .bool(false), "learn a per-channel scale (weight) and shift (bias)"),
    ])

  public let eps: Double
  public let affine: Bool

  public init(_ attributes: Attributes) {
    eps = attributes.float("eps")
    affine = attributes.bool("affine")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    guard (3...5).contains(x.rank) else {
      throw ShapeError(
        .rankMismatch,
        "expected an input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got \(x.shape.shapeDescription)", input: 0,
        help: "instance normalization needs positions after the channel axis (PyTorch's InstanceNorm1d to 3d)")
    }
    return Self.inference(x, channels: try Self.channels(x), affine: affine)
  }

  public func groups(channels: Int) -> Int { channels }
}

extension InstanceNorm: GroupedNormalization, EmittableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]),
    OpExample(["affine": .bool(true)], inputs: [.batch(2, 3, 2)]),
    OpExample(["affine": .bool(true), "eps": .float(1e-2)], inputs: [.batch(2, 2, 1, 3)]),
  ]
}

extension InstanceNorm: TorchExportable {
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    let affine = self.affine ? ", affine=True" : ""
    return
      "nn.InstanceNorm\(layer.inputTypes[0].rank - 2)d(\(layer.size(axis: 1)), eps=\(TorchLayer.number(eps))\(affine))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String { "\(layer.module)(\(layer.x))" }
}

extension InstanceNorm: ONNXExportable {
  /// `InstanceNormalization`, then the weight and bias when `affine`
  /// (``GroupedNormalization/exportGroupsONNX(_:groups:)``).
  func exportONNX(_ onnx: ONNXNodeContext) {
    exportGroupsONNX(onnx, groups: onnx.inputTypes[0].shape[1].staticValue!)
  }
}
