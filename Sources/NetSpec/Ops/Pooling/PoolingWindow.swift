import NetSpecKernels

/// The window of a max or average pooling op over `[N, C, L]` (1-d) or
/// `[N, C, H, W]` (2-d): kernel, stride and padding per plane axis, with 1-d
/// pooling as planes of height 1, and PyTorch's `ceil_mode`. The attributes,
/// shape rule and export arguments of the four pooling ops come from here.
public struct PoolingWindow: Sendable {
  /// 1 or 2 pooled axes.
  public let spatialRank: Int
  /// `(height, width)`; height 1 (kernel, stride 1, padding 0) for 1-d pooling.
  public let kernel: (Int, Int)
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let ceilMode: Bool

  /// The window attributes, with `fill` naming what the padding holds; `extra`
  /// goes between `padding` and `ceil_mode`.
  static func attributes(spatialRank: Int, fill: String, extra: [AttributeSpec] = []) -> [AttributeSpec] {
    let (kind, size, step, side): (AttributeKind, String, String, String) =
      spatialRank == 1
      ? (.int(1...4096), "window size", "step between windows", "end")
      : (.pair(1...4096), "window size: k or [kh, kw]", "step between windows: s or [sh, sw]", "side")
    let padding: AttributeKind = spatialRank == 1 ? .int(0...4096) : .pair(0...4096)
    let outputSize = spatialRank == 1 ? "length" : "size"
    return [
      .required("kernel", kind, size),
      .optional("stride", kind, "\(step); defaults to the kernel"),
      .default("padding", padding, .int(0), "\(fill) padding per \(side) (at most kernel / 2)"),
    ] + extra + [
      .default(
        "ceil_mode", .bool, .bool(false),
        "round the output \(outputSize) up: a last, partial window that starts inside the input or the left padding")
    ]
  }

  /// The window an op's checked attributes describe.
  init(_ attributes: Attributes, spatialRank: Int) {
    self.spatialRank = spatialRank
    if spatialRank == 1 {
      let size = attributes.int("kernel")
      kernel = (1, size)
      stride = (1, attributes.has("stride") ? attributes.int("stride") : size)
      padding = (0, attributes.int("padding"))
    } else {
      kernel = attributes.pair("kernel")
      stride = attributes.has("stride") ? attributes.pair("stride") : kernel
      padding = attributes.pair("padding")
    }
    ceilMode = attributes.bool("ceil_mode")
  }

  /// The output type and FLOPs (one per window element per output).
  func infer(_ x: TensorType) throws(ShapeError) -> Inference {
    let output =
      spatialRank == 1
      ? try ShapeRules.pool1D(x, kernel: kernel.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode)
      : try ShapeRules.pool2D(x, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    return Inference(outputs: [output], flops: ShapeRules.flops(output, perElement: kernel.0 * kernel.1))
  }

  /// The plane geometry for per-sample shapes: `[C, H, W]` -> `[C, oh, ow]`,
  /// or `[C, L]` -> `[C, L']` as a plane of height 1.
  func geometry(_ shapes: OpShapes) -> PoolingGeometry {
    let (input, output) = (shapes.inputs[0], shapes.outputs[0])
    return spatialRank == 1
      ? PoolingGeometry(
        height: 1, width: input[1], kernel: kernel, stride: stride, padding: padding, outputHeight: 1,
        outputWidth: output[1])
      : PoolingGeometry(
        height: input[1], width: input[2], kernel: kernel, stride: stride, padding: padding,
        outputHeight: output[1], outputWidth: output[2])
  }

  /// PyTorch's positional `kernel_size, stride, padding` and `ceil_mode`, as
  /// `F.max_pool2d` and its relatives take them.
  var torchArguments: String {
    let values =
      spatialRank == 1
      ? ["\(kernel.1)", "\(stride.1)", "\(padding.1)"]
      : [TorchLayer.pair(kernel), TorchLayer.pair(stride), TorchLayer.pair(padding)]
    return values.joined(separator: ", ") + (ceilMode ? ", ceil_mode=True" : "")
  }

  /// ONNX's `kernel_shape`, `strides`, `pads` and `ceil_mode`.
  var onnxAttributes: [ONNXAttribute] {
    let axes = spatialRank == 1 ? [1] : [0, 1]
    func pick(_ pair: (Int, Int)) -> [Int] { axes.map { $0 == 0 ? pair.0 : pair.1 } }
    return [
      .ints("kernel_shape", pick(kernel)), .ints("strides", pick(stride)), .ints("pads", pick(padding) + pick(padding)),
      .int("ceil_mode", ceilMode ? 1 : 0),
    ]
  }
}
