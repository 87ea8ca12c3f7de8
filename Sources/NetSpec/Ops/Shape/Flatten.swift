/// Flattens the axes from `start_axis` on into one: `[N, C, H, W]` -> `[N, C*H*W]`
/// (PyTorch's `Flatten`). A view: no data moves.
public struct Flatten: Operator {
  public static let schema = OpSchema(
    name: "flatten", category: .shape,
    summary: "Flattens the axes from start_axis on into one: [N, C, H, W] -> [N, C*H*W].",
    attributes: [
      .default(
        "start_axis", .int(ShapeRules.axisRange), .int(1),
        "first axis to flatten (negative counts from the end); 1 keeps the batch axis")
    ],
    primary: "start_axis")

  public let startAxis: Int

  public init(_ attributes: Attributes) {
    startAxis = attributes.int("start_axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let start = try ShapeRules.axis(startAxis, of: x, attribute: "start_axis")
    let flat = try ShapeRules.product(Array(x.shape[start...]), what: "flattened size")
    return Inference(outputs: [TensorType(Array(x.shape[..<start]) + [flat], x.dtype)])
  }
}

extension Flatten: LayoutView {
  public static let examples = [
    OpExample(inputs: [.batch(2, 3, 2)]),
    OpExample(["start_axis": .int(-2)], inputs: [.batch(2, 3, 2)]),
    OpExample(["start_axis": .int(2)], inputs: [.batch(3, 2, 2)]),
  ]
}

extension Flatten: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.x).flatten(\(startAxis))"
  }
}

extension Flatten: ONNXExportable {
  /// `Flatten` (axis 1) when the result is `[N, features]`, else `Reshape`.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    if onnx.outputTypes[0].rank == 2, onnx.outputTypes[0].shape[0] == onnx.inputTypes[0].shape[0] {
      onnx.add("Flatten", onnx.inputs, onnx.outputs, [.int("axis", 1)])
    } else {
      try onnx.reshape(onnx.inputs[0], from: onnx.inputTypes[0], to: onnx.outputTypes[0], output: onnx.outputs[0])
    }
  }
}
