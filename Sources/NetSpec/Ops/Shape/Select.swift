import NetSpecKernels

/// Keeps one position of one axis and removes the axis (PyTorch's `x[:, index]`
/// on that axis, e.g. ViT's class token `x[:, 0]`); a negative `index` counts
/// from the end. The batch axis 0 cannot be selected from. On an axis of
/// symbolic size (BERT's pooler reading token 0 of `[N, T, D]`) the index must
/// not be negative, and is checked against the size once it is bound.
public struct Select: Operator {
  public static let schema = OpSchema(
    name: "select", category: .shape,
    summary: "Keeps position `index` of one axis and removes the axis (x[:, index]).",
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(1), "axis to index (negative counts from the end); not the batch axis"
      ),
      .required("index", .int(-Dim.limit...Dim.limit), "position kept (negative counts from the end)"),
    ],
    primary: "index")

  public let axis: Int
  public let index: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
    index = attributes.int("index")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    let run = try resolve(x)
    var shape = x.shape
    shape.remove(at: run.axis + 1)
    return Inference(outputs: [TensorType(shape)])
  }

  /// The one kept position, with located errors for the batch axis, a
  /// negative index on a symbolic size and an index outside the axis.
  func resolve(_ x: TensorType) throws(ShapeError) -> AxisRun {
    let axis = try AxisSlice.sampleAxis(self.axis, of: x)
    if index >= 0, x.shape[axis].staticValue == nil {
      return AxisRun(axis: axis - 1, start: index, step: 1, count: 1)
    }
    let length = try ShapeRules.staticSize(x, axis: axis, what: "indexed axis")
    guard index >= -length, index < length else {
      throw ShapeError(
        .valueOutOfRange, "index \(index) is outside axis \(axis), of size \(length), in \(x.shape.shapeDescription)",
        input: 0, attribute: "index",
        help: "expected an index in \(-length)...\(length - 1) (negative indices count from the end)")
    }
    return AxisRun(axis: axis - 1, start: index < 0 ? index + length : index, step: 1, count: 1)
  }
}

extension Select: AxisRunOperator {
  public static let examples = [
    OpExample(["index": .int(0)], inputs: [.batch(3, 4)]),
    OpExample(["axis": .int(-1), "index": .int(-2)], inputs: [.batch(2, 3)]),
    OpExample(["axis": .int(2), "index": .int(1)], inputs: [.batch(2, 3, 2)]),
  ]
}

extension Select: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.x).select(\(axis), \(index))"
  }
}

extension Select: ONNXExportable {
  /// `Gather` of one index (a scalar index removes the axis).
  func exportONNX(_ onnx: ONNXNodeContext) {
    let resolved = axis < 0 ? axis + onnx.inputTypes[0].rank : axis
    let position = onnx.builder.constant("\(onnx.name)/index", int64s: [Int64(index)], shape: [])
    onnx.add("Gather", [onnx.inputs[0], position], onnx.outputs, [.int("axis", resolved)])
  }
}
