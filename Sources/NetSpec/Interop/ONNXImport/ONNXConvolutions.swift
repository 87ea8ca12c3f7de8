import ONNXProto

/// `Conv` and `ConvTranspose` over one or two spatial axes (`conv1d`,
/// `conv2d`, `conv_transpose1d`, `conv_transpose2d`), and `MaxPool` /
/// `AveragePool` likewise (`maxpool1d`, `maxpool2d`, `avgpool1d`,
/// `avgpool2d`, with `ceil_mode`).
extension ONNXTranslator {
  /// The layers a following bias `Add` or activation may be fused into.
  static let fusingLayers: Set<String> = ["dense", "conv2d", "conv1d", "conv_transpose1d", "conv_transpose2d"]

  /// The `[begin..., end...]` pads of a node over `axes` spatial axes, checked
  /// against `auto_pad` (explicit pads or `VALID` only).
  private func pads(_ node: Onnx_NodeProto, axes: Int) throws(NodeFailure) -> (begin: [Int], end: [Int]) {
    let autoPad = node.string("auto_pad", default: "NOTSET")
    guard autoPad == "NOTSET" || autoPad == "VALID" else {
      throw NodeFailure("`\(node.opType)` with auto_pad \(autoPad)", help: "export explicit pads")
    }
    let pads = node.ints("pads") ?? [Int](repeating: 0, count: 2 * axes)
    guard pads.count == 2 * axes else {
      throw NodeFailure("`\(node.opType)` with malformed pads", help: Self.checkHelp)
    }
    return (Array(pads[..<axes]), Array(pads[axes...]))
  }

  /// Symmetric pads as one value per axis, or a failure.
  private func symmetricPads(_ node: Onnx_NodeProto, axes: Int) throws(NodeFailure) -> [Int] {
    let (begin, end) = try pads(node, axes: axes)
    guard begin == end else {
      throw NodeFailure(
        "`\(node.opType)` with asymmetric padding", help: "NetSpec pads both sides of an axis equally here")
    }
    return begin
  }

  /// `k` when one value (or all agree), else the list.
  static func pair(_ values: [Int]) -> SpecValue.Kind {
    Set(values).count == 1 ? .int(values[0]) : .importedList(values.map { .int($0) })
  }

  /// A per-axis attribute of `axes` values, defaulting to `fill`.
  private func spatial(_ node: Onnx_NodeProto, _ name: String, axes: Int, fill: Int) throws(NodeFailure) -> [Int] {
    let values = node.ints(name) ?? [Int](repeating: fill, count: axes)
    guard values.count == axes else {
      throw NodeFailure("`\(node.opType)` whose \(name) do not match its kernel", help: Self.checkHelp)
    }
    return values
  }

  /// `Conv` or `ConvTranspose` with a constant weight over [N, C, L] or [N, C, H, W].
  mutating func convolution(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let transposed = node.opType == "ConvTranspose"
    let x = try materialize(try tensor(node, 0), for: node)
    let w = try constant(node, 1, "weight")
    let axes = w.shape.count - 2
    guard axes == 1 || axes == 2, let weight = w.floats else {
      throw NodeFailure(
        "`\(node.opType)` over \(max(axes, 0)) spatial axes", help: "NetSpec convolves [N, C, L] and [N, C, H, W]")
    }
    guard !transposed || node.ints("output_shape") == nil else {
      throw NodeFailure("`ConvTranspose` with output_shape", help: "export with pads and output_padding instead")
    }
    let groups = node.int("group", default: 1)
    let filters = transposed ? w.shape[1] * groups : w.shape[0]
    let kernel = Array(w.shape[2...])
    let strides = try spatial(node, "strides", axes: axes, fill: 1)
    let dilations = try spatial(node, "dilations", axes: axes, fill: 1)
    var attributes: [(name: String, value: SpecValue.Kind)] = [
      ("filters", .int(filters)), ("kernel", Self.pair(kernel)),
    ]
    if strides.contains(where: { $0 != 1 }) { attributes.append(("stride", Self.pair(strides))) }
    if axes == 1, !transposed {
      // conv1d pads its two ends apart: `[left, right]`.
      let (begin, end) = try pads(node, axes: 1)
      if begin != [0] || end != [0] { attributes.append(("padding", Self.pair(begin + end))) }
    } else {
      let padding = try symmetricPads(node, axes: axes)
      if padding.contains(where: { $0 != 0 }) { attributes.append(("padding", Self.pair(padding))) }
    }
    if transposed {
      let outputPadding = try spatial(node, "output_padding", axes: axes, fill: 0)
      if outputPadding.contains(where: { $0 != 0 }) { attributes.append(("output_padding", Self.pair(outputPadding))) }
    }
    if dilations.contains(where: { $0 != 1 }) { attributes.append(("dilation", Self.pair(dilations))) }
    if groups != 1 { attributes.append(("groups", .int(groups))) }
    var weights = ["weight": (w.shape, weight)]
    if let b = try binding(node, 2) {
      guard case .constant(let bias) = b, let values = bias.floats else {
        throw NodeFailure("`\(node.opType)` with a computed bias", help: "export the bias as an initializer")
      }
      weights["bias"] = ([filters], values)
    } else {
      attributes.append(("bias", .bool(false)))
    }
    let op = (transposed ? "conv_transpose" : "conv") + (axes == 1 ? "1d" : "2d")
    bindLayer(node, try addLayer(op, for: node, attributes, inputs: [x], weights: weights))
  }

  /// `MaxPool` or `AveragePool` over [N, C, L] or [N, C, H, W].
  mutating func pool(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let x = try materialize(try tensor(node, 0), for: node)
    guard let kernel = node.ints("kernel_shape"), kernel.count == 1 || kernel.count == 2 else {
      throw NodeFailure(
        "`\(node.opType)` over other than 1 or 2 spatial axes", help: "NetSpec pools [N, C, L] and [N, C, H, W]")
    }
    let axes = kernel.count
    guard try spatial(node, "dilations", axes: axes, fill: 1).allSatisfy({ $0 == 1 }) else {
      throw NodeFailure("`\(node.opType)` with dilations", help: "export pooling without dilation")
    }
    guard node.output.count == 1 || node.output[1].isEmpty else {
      throw NodeFailure("`MaxPool` with its indices output", help: "NetSpec's pooling returns the values only")
    }
    let padding = try symmetricPads(node, axes: axes)
    let strides = try spatial(node, "strides", axes: axes, fill: 1)
    var attributes: [(name: String, value: SpecValue.Kind)] = [("kernel", Self.pair(kernel))]
    if strides != kernel { attributes.append(("stride", Self.pair(strides))) }
    let padded = padding.contains { $0 != 0 }
    if padded { attributes.append(("padding", Self.pair(padding))) }
    let average = node.opType == "AveragePool"
    if average, padded, node.int("count_include_pad", default: 0) == 0 {
      attributes.append(("count_include_pad", .bool(false)))
    }
    if node.int("ceil_mode", default: 0) == 1 { attributes.append(("ceil_mode", .bool(true))) }
    let op = (average ? "avgpool" : "maxpool") + (axes == 1 ? "1d" : "2d")
    bindLayer(node, try addLayer(op, for: node, attributes, inputs: [x]))
  }
}
