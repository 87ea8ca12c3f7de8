import NetSpecDiagnostics
import NetSpecKernels

/// Removes one axis of size 1 (PyTorch's `squeeze(dim)`). Unlike PyTorch, which
/// leaves a larger axis alone, an axis whose size is not 1 is an error: a
/// squeeze that does nothing is almost always a mistake in a spec.
public struct Squeeze: Operator {
  public static let schema = OpSchema(
    name: "squeeze", category: .shape,
    summary: "Removes an axis of size 1 (not the batch axis).",
    attributes: [
      .required("axis", .int(ShapeRules.axisRange), "axis to remove (negative counts from the end); its size must be 1")
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    let axis = try AxisSlice.sampleAxis(self.axis, of: x)
    guard x.shape[axis] == Dim(1) else {
      throw ShapeError(
        .shapeMismatch, "axis \(axis) of \(x.shape.shapeDescription) has size \(x.shape[axis]), not 1", input: 0,
        attribute: "axis", help: "squeeze removes an axis of size 1; `select` keeps one position of a larger axis")
    }
    var shape = x.shape
    shape.remove(at: axis)
    return Inference(outputs: [TensorType(shape, x.dtype)])
  }
}

extension Squeeze: LayoutView {
  public static let examples = [
    OpExample(["axis": .int(1)], inputs: [.batch(1, 3)]),
    OpExample(["axis": .int(-1)], inputs: [.batch(2, 3, 1)]),
  ]
}

extension Squeeze: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.x).squeeze(\(axis))"
  }
}

extension Squeeze: ONNXExportable {
  /// `Squeeze` with the axis as its second input (opset 13 and later).
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Squeeze", [onnx.inputs[0], onnx.int64s("axes", [axis])], onnx.outputs)
  }
}
