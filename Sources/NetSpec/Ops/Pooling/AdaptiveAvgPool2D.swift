import NetSpecKernels

/// Adaptive 2-D average pooling (PyTorch's `AdaptiveAvgPool2d`): averages
/// `[N, C, H, W]` down to a fixed `[N, C, h, w]` whatever the input size, output
/// cell `i` covering input rows `floor(i * H / h) ..< ceil((i + 1) * H / h)`.
public struct AdaptiveAvgPool2D: Operator {
  public static let schema = OpSchema(
    name: "adaptive_avgpool2d", category: .pooling,
    summary: "Averages [N, C, H, W] inputs down to a fixed [N, C, h, w] output size.",
    attributes: [
      .required("output", .pair(1...4096), "output size: s or [h, w]")
    ],
    primary: "output")

  public let output: (Int, Int)

  public init(_ attributes: Attributes) {
    output = attributes.pair("output")
  }

  /// The input positions averaged into each of `output` cells along an axis of
  /// `input` positions (windows overlap when the size does not divide evenly).
  public static func windows(input: Int, output: Int) -> [Range<Int>] {
    (0..<output).map { AveragePoolingKernels.window($0, input: input, output: output) }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    let height = try ShapeRules.staticSize(x, axis: 2, what: "height")
    let width = try ShapeRules.staticSize(x, axis: 3, what: "width")
    let rows = Self.windows(input: height, output: output.0).reduce(0) { $0 + $1.count }
    let columns = Self.windows(input: width, output: output.1).reduce(0) { $0 + $1.count }
    // One add per averaged position, one divide per output cell.
    let perPlane = try ShapeRules.add(
      ShapeRules.multiply(Dim(rows), Dim(columns)), Dim(output.0 * output.1))
    let flops = try ShapeRules.product([x.shape[0], x.shape[1], perPlane], what: "FLOP count")
    let result = TensorType([x.shape[0], x.shape[1], Dim(output.0), Dim(output.1)])
    return Inference(outputs: [result], flops: flops)
  }
}

extension AdaptiveAvgPool2D: ExecutableOperator {
  public static let examples = [
    OpExample(["output": .int(2)], inputs: [.batch(2, 5, 5)]),
    OpExample(["output": .int(4)], inputs: [.batch(1, 3, 6)]),
    OpExample(["output": .int(3)], inputs: [.batch(2, 7, 3)]),
  ]

  /// The backward pass needs only the window geometry.
  public var backwardReads: BackwardReads { .nothing }

  /// Per plane, the mean of each output cell's window (``AveragePoolingKernels``).
  public func forward(_ k: Kernel) {
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    AveragePoolingKernels.adaptiveForward(
      y: k.outputs[0], x: k.inputs[0], planes: k.batch * channels, height: height, width: width,
      outputHeight: output.0, outputWidth: output.1, pool: k.pool)
  }

  /// Each output gradient spread evenly across its window (windows may overlap).
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (channels, height, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1], k.shapes.inputs[0][2])
    AveragePoolingKernels.adaptiveBackward(
      dx: dx, dy: k.outputGradients[0], planes: k.batch * channels, height: height, width: width,
      outputHeight: output.0, outputWidth: output.1, accumulate: k.accumulateInput[0], pool: k.pool)
  }
}

extension AdaptiveAvgPool2D: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (channels, height, width) = (s.shapes.inputs[0][0], s.shapes.inputs[0][1], s.shapes.inputs[0][2])
    code.call(
      "AveragePoolingKernels.adaptiveForward",
      [
        "y": s.output(0), "x": s.input(0), "planes": StepEmission.rows(channels), "height": "\(height)",
        "width": "\(width)", "outputHeight": "\(output.0)", "outputWidth": "\(output.1)", "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (channels, height, width) = (s.shapes.inputs[0][0], s.shapes.inputs[0][1], s.shapes.inputs[0][2])
    code.call(
      "AveragePoolingKernels.adaptiveBackward",
      [
        "dx": dx, "dy": s.outputGradient(0), "planes": StepEmission.rows(channels), "height": "\(height)",
        "width": "\(width)", "outputHeight": "\(output.0)", "outputWidth": "\(output.1)",
        "accumulate": "\(s.accumulatesInput(0))", "pool": "pool",
      ])
  }
}

extension AdaptiveAvgPool2D: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "F.adaptive_avg_pool2d(\(layer.x), \(TorchLayer.pair(output)))"
  }
}

extension AdaptiveAvgPool2D: ONNXExportable {
  /// `AveragePool` when the output size divides the input's; otherwise the
  /// overlapping windows as two constant averaging matrices,
  /// `A [h, H] @ x @ B^T [W, w]`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let shape = onnx.inputTypes[0].shape
    let (height, width) = (shape[2].staticValue!, shape[3].staticValue!)
    if height % output.0 == 0, width % output.1 == 0 {
      let window = [height / output.0, width / output.1]
      onnx.add("AveragePool", onnx.inputs, onnx.outputs, [.ints("kernel_shape", window), .ints("strides", window)])
      return
    }
    func averaging(_ input: Int, _ output: Int) -> [Float] {
      var matrix = [Float](repeating: 0, count: output * input)
      for (row, window) in Self.windows(input: input, output: output).enumerated() {
        for column in window { matrix[row * input + column] = 1 / Float(window.count) }
      }
      return matrix
    }
    let rows = onnx.constant("rows", averaging(height, output.0), shape: [output.0, height])
    let columns = averaging(width, output.1)
    let transposed = (0..<(width * output.1)).map { columns[($0 % output.1) * width + $0 / output.1] }
    let columnsT = onnx.constant("columns", transposed, shape: [width, output.1])
    let pooledRows = onnx.temporary("rows_pooled")
    onnx.add("MatMul", [rows, onnx.inputs[0]], [pooledRows])
    onnx.add("MatMul", [pooledRows, columnsT], onnx.outputs)
  }
}
