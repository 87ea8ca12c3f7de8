import NetSpecKernels

/// Keeps a strided range of one axis (PyTorch's `x[:, start:end:step]` on that
/// axis), by Python's rules: negative `start` and `end` count from the end, both
/// are clamped to the axis, and `end` left out means the axis' end. The batch
/// axis 0 cannot be sliced, and the sliced axis must have a static size.
public struct AxisSlice: Operator {
  public static let schema = OpSchema(
    name: "slice", category: .shape,
    summary: "Keeps positions start:end:step of one axis (Python slicing; batch axis excluded).",
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(1), "axis to slice (negative counts from the end); not the batch axis"
      ),
      .default("start", .int(-Dim.limit...Dim.limit), .int(0), "first position kept (negative counts from the end)"),
      .optional("end", .int(-Dim.limit...Dim.limit), "position after the last kept (default: the axis' end)"),
      .default("step", .int(1...Dim.limit), .int(1), "distance between kept positions"),
    ],
    primary: "end")

  public let axis: Int
  public let start: Int
  public let end: Int?
  public let step: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
    start = attributes.int("start")
    end = attributes.has("end") ? attributes.int("end") : nil
    step = attributes.int("step")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    let run = try resolve(x)
    var shape = x.shape
    shape[run.axis + 1] = Dim(run.count)
    return Inference(outputs: [TensorType(shape)])
  }

  /// The kept positions of the input `x`, with located errors for the batch
  /// axis, a symbolic size and an empty range.
  func resolve(_ x: TensorType) throws(ShapeError) -> AxisRun {
    let axis = try Self.sampleAxis(self.axis, of: x)
    let length = try ShapeRules.staticSize(x, axis: axis, what: "sliced axis")
    func clamp(_ position: Int) -> Int { min(max(position < 0 ? position + length : position, 0), length) }
    let (first, last) = (clamp(start), clamp(end ?? length))
    let count = last > first ? (last - first + step - 1) / step : 0
    guard count > 0 else {
      let range = "\(start):\(end.map(String.init) ?? ""):\(step)"
      throw ShapeError(
        .valueOutOfRange,
        "the slice \(range) keeps nothing of axis \(axis), of size \(length), in \(x.shape.shapeDescription)",
        input: 0, attribute: end == nil ? "start" : "end",
        help: "expected start < end within -\(length)...\(length) (negative positions count from the end)")
    }
    return AxisRun(axis: axis - 1, start: first, step: step, count: count)
  }

  /// `axis` resolved against `x`'s rank; the batch axis 0 is an error.
  static func sampleAxis(_ axis: Int, of x: TensorType, attribute: String = "axis") throws(ShapeError) -> Int {
    let resolved = try ShapeRules.axis(axis, of: x, attribute: attribute)
    guard resolved > 0 else {
      throw ShapeError(
        .valueOutOfRange, "\(attribute) \(axis) is the batch axis of \(x.shape.shapeDescription)", input: 0,
        attribute: attribute, help: "index a sample's axes, 1...\(x.rank - 1) (or -1 for the last)")
    }
    return resolved
  }
}

extension AxisSlice: AxisRunOperator {
  public static let examples = [
    OpExample(["end": .int(3)], inputs: [.batch(5, 2)]),
    OpExample(["axis": .int(-1), "start": .int(-4), "step": .int(2)], inputs: [.batch(2, 5)]),
    OpExample(["axis": .int(2), "start": .int(1), "end": .int(-1)], inputs: [.batch(2, 4, 3)]),
  ]
}

extension AxisSlice: TorchExportable {
  /// Python slicing on the axis, with the resolved bounds.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let run = try? resolve(layer.inputTypes[0])
    let axis = (run?.axis ?? 0) + 1
    let first = run?.start ?? start
    let last = first + ((run?.count ?? 1) - 1) * step + 1
    let index = Array(repeating: ":", count: axis) + ["\(first):\(last)\(step == 1 ? "" : ":\(step)")"]
    return "\(layer.x)[\(index.joined(separator: ", "))]"
  }
}

extension AxisSlice: ONNXExportable {
  /// `Slice` with the resolved `starts`, `ends`, `axes` and `steps`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let run = try? resolve(onnx.inputTypes[0])
    let (first, count) = (run?.start ?? 0, run?.count ?? 1)
    onnx.add(
      "Slice",
      [
        onnx.inputs[0], onnx.int64s("starts", [first]), onnx.int64s("ends", [first + (count - 1) * step + 1]),
        onnx.int64s("axes", [(run?.axis ?? 0) + 1]), onnx.int64s("steps", [step]),
      ], onnx.outputs)
  }
}
