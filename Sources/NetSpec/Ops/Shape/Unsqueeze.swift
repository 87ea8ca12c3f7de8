import NetSpecDiagnostics
import NetSpecKernels

/// Inserts an axis of size 1 (PyTorch's `unsqueeze(dim)`): the output's axis
/// `axis` is the new one; negative axes count from the end of the output
/// (-1 appends). The batch axis stays first.
public struct Unsqueeze: Operator {
  public static let schema = OpSchema(
    name: "unsqueeze", category: .shape,
    summary: "Inserts an axis of size 1 at `axis` of the output (after the batch axis).",
    attributes: [
      .required(
        "axis", .int(ShapeRules.axisRange), "the new axis' position in the output (negative counts from the end)")
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    var shape = x.shape
    shape.append(Dim(1))
    let axis = try AxisSlice.sampleAxis(self.axis, of: TensorType(shape, x.dtype))
    shape.removeLast()
    shape.insert(Dim(1), at: axis)
    return Inference(outputs: [TensorType(shape, x.dtype)])
  }
}

extension Unsqueeze: LayoutView {
  public static let examples = [
    OpExample(["axis": .int(1)], inputs: [.batch(3)]),
    OpExample(["axis": .int(-1)], inputs: [.batch(2, 3)]),
  ]
}

extension Unsqueeze: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.x).unsqueeze(\(axis))"
  }
}

extension Unsqueeze: ONNXExportable {
  /// `Unsqueeze` with the axis as its second input (opset 13 and later).
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Unsqueeze", [onnx.inputs[0], onnx.int64s("axes", [axis])], onnx.outputs)
  }
}
