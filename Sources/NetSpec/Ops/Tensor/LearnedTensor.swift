import NetSpecDiagnostics
import NetSpecKernels

/// A learned tensor of `shape`, the same for every sample: ViT's class token
/// (`shape: [1, D]`), a learned query or a layer scale. It is stored once as
/// the layer's `weight` of exactly `shape` (no batch axis), and its output is
/// `[N, shape...]`, one copy per sample of its input: the input is read only
/// for its batch size `N` (the previous layer, or `from:`), as PyTorch's
/// `self.class_token.expand(x.shape[0], -1, -1)` reads `x`. Its gradient is the
/// sum over the batch; the input gets none. Starts at zeros (torchvision's
/// class token); `init:` chooses another start.
public struct LearnedTensor: Operator {
  public static let schema = OpSchema(
    name: "parameter", category: .layer,
    summary: "A learned tensor `weight` of `shape`, output [N, shape...] for its input's batch N.",
    attributes: [
      .required("shape", .ints, "the tensor's shape without the batch axis, e.g. [1, 768] for a class token")
    ],
    primary: "shape")

  public let shape: [Int]

  public init(_ attributes: Attributes) {
    shape = attributes.ints("shape")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try Self.requireShape(shape, input: inputs[0])
    _ = try ShapeRules.parameterCount(shape)
    return Inference(
      outputs: [TensorType([inputs[0].shape[0]] + shape.map { Dim($0) })],
      parameters: [ParameterSpec("weight", shape, .zeros)])
  }

  /// A shape of sizes >= 1, with at least one axis; the input must have a batch axis.
  static func requireShape(_ shape: [Int], input x: TensorType) throws(ShapeError) {
    guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
      throw ShapeError(
        .badShape, "shape \(shape) needs at least one size, each >= 1", attribute: "shape",
        help: "give the per-sample shape, e.g. [1, 64]; the batch axis comes from the input")
    }
    try ShapeRules.requireRank(x, atLeast: 1, layout: "[N, ...] (read for its batch size)")
  }
}

extension LearnedTensor: ExecutableOperator {
  public static let examples = [
    OpExample(["shape": .exampleInts([1, 3])], inputs: [.batch(4, 3)]),
    OpExample(["shape": .exampleInts([2, 2, 3])], inputs: [.batch(5)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// The output, batch axis included, iterated with the stored tensor (a batch
  /// axis of 1) broadcast over it; the kernels see it as one sample.
  private func geometry(batch: Int, _ shapes: OpShapes) -> BroadcastGeometry {
    BroadcastGeometry(space: [batch] + shapes.outputs[0], a: [batch] + shapes.outputs[0], b: [1] + shapes.outputs[0])
  }

  /// Copies the weight to every sample (``BroadcastKernels``).
  public func forward(_ k: Kernel) {
    BroadcastKernels.expand(
      y: k.outputs[0], x: k.parameters[0], scale: 1, batch: 1, geometry: geometry(batch: k.batch, k.shapes),
      accumulate: false)
  }

  /// Sums the output gradient over the batch; the input's gradient is zero.
  public func backward(_ k: Kernel) {
    if let dx = k.inputGradients[0], !k.accumulateInput[0] {
      CopyKernel.fill(dx, value: 0, count: k.batch * k.shapes.inputCount(0))
    }
    guard let dw = k.parameterGradients[0] else { return }
    BroadcastKernels.sum(
      y: dw, x: k.outputGradients[0], scale: 1, batch: 1, geometry: geometry(batch: k.batch, k.shapes),
      accumulate: k.accumulateParameter[0])
  }
}

extension LearnedTensor: EmittableOperator {
  /// ``geometry(batch:_:)`` as a Swift expression with the batch `n`.
  private static func geometryLiteral(_ s: StepEmission) -> String {
    let sizes = s.shapes.outputs[0].map { ", \($0)" }.joined()
    return "BroadcastGeometry(space: [n\(sizes)], a: [n\(sizes)], b: [1\(sizes)])"
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "BroadcastKernels.expand",
      [
        "y": s.output(0), "x": s.parameter(0), "scale": "1", "batch": "1", "geometry": Self.geometryLiteral(s),
        "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    if let dx = s.inputGradient(0), !s.accumulatesInput(0) {
      code.call("CopyKernel.fill", ["": dx, "value": "0", "count": StepEmission.rows(s.shapes.inputCount(0))])
    }
    guard let dw = s.parameterGradient(0) else { return }
    code.call(
      "BroadcastKernels.sum",
      [
        "y": dw, "x": s.outputGradient(0), "scale": "1", "batch": "1", "geometry": Self.geometryLiteral(s),
        "accumulate": "\(s.accumulatesParameter(0))",
      ])
  }
}

extension LearnedTensor: TorchExportable {
  /// An `nn.Parameter` of the stored shape, expanded to the input's batch.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    "nn.ParameterDict({\"weight\": nn.Parameter(torch.zeros(\(shape.map(String.init).joined(separator: ", "))))})"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.module)[\"weight\"].expand(\(layer.x).shape[0]\(shape.map { ", \($0)" }.joined()))"
  }
}

extension LearnedTensor: ONNXExportable {
  /// The weight with a leading axis of 1 (`Unsqueeze`), `Expand`ed to the
  /// input's batch size.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let (stored, shape) = (onnx.temporary("stored"), onnx.temporary("shape"))
    onnx.add("Unsqueeze", [onnx.parameter("weight"), onnx.int64s("batch_axis", [0])], [stored])
    onnx.add(
      "Concat", [onnx.dimension(onnx.inputs[0], axis: 0), onnx.int64s("sizes", self.shape)], [shape],
      [.int("axis", 0)])
    onnx.add("Expand", [stored, shape], onnx.outputs)
  }
}
