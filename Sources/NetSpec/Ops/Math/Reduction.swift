import NetSpecDiagnostics
import NetSpecKernels

/// A reduction over `axes` of its input (`sum`, `mean`, `max`), PyTorch's
/// `dim` and `keepdim`: the axes are removed, or kept with size 1 when
/// `keepdims` is set. The batch axis 0 cannot be reduced (every value keeps
/// its samples apart). Kernels iterate the input with the output broadcast
/// over it (a ``BroadcastGeometry`` whose `b` is the output kept to the
/// input's rank).
/// Each reduction's attributes, `init(_:)`, shape rule and PyTorch call come
/// from here; an op adds its schema, kernels and ONNX form.
protocol Reduction: EmittableOperator {
  /// The axes as written (negative ones count from the end).
  var axes: [Int] { get }
  var keepdims: Bool { get }

  /// The op over `axes` (the memberwise initializer).
  init(axes: [Int], keepdims: Bool)
}

extension Reduction {
  /// The op from its checked `axes` and `keepdims`.
  public init(_ attributes: Attributes) {
    self.init(axes: attributes.ints("axes"), keepdims: attributes.bool("keepdims"))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try inferReduction(inputs)
  }

  /// A reduction's schema: its attributes `axes` (primary; `what` says what
  /// the op does over them) and `keepdims`.
  static func reductionSchema(_ name: String, summary: String, what: String) -> OpSchema {
    OpSchema(
      name: name, category: .math, summary: summary,
      attributes: [
        .required("axes", .axes, "the axis or axes to \(what) over (not the batch axis 0), e.g. `[2, 3]` or `-1`"),
        .default("keepdims", .bool, .bool(false), "keep each reduced axis with size 1 (PyTorch's `keepdim`)"),
      ], primary: "axes")
  }

  /// The reduced axes of a rank-`rank` input, non-negative and sorted.
  func resolvedAxes(rank: Int) -> [Int] {
    axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
  }

  /// The output type, after checking that every axis exists, is not the
  /// batch axis and is listed once; the FLOPs are one per input element.
  func inferReduction(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    var seen: Set<Int> = []
    for axis in axes {
      let resolved = try ShapeRules.axis(axis, of: x, attribute: "axes")
      guard resolved != 0 else {
        throw ShapeError(
          .valueOutOfRange, "`\(Self.schema.name)` cannot reduce the batch axis 0 of \(x.shape.shapeDescription)",
          attribute: "axes", help: "reduce the axes of each sample: 1...\(x.rank - 1), or negative axes")
      }
      guard seen.insert(resolved).inserted else {
        throw ShapeError(
          .valueOutOfRange, "axes \(axes) name axis \(resolved) twice", attribute: "axes",
          help: "list each axis once")
      }
    }
    guard !axes.isEmpty else {
      throw ShapeError(.valueOutOfRange, "axes is empty", attribute: "axes", help: "list at least one axis")
    }
    let shape =
      keepdims
      ? x.shape.indices.map { seen.contains($0) ? Dim(1) : x.shape[$0] }
      : x.shape.indices.filter { !seen.contains($0) }.map { x.shape[$0] }
    return Inference(outputs: [TensorType(shape)], flops: ShapeRules.flops(x, perElement: 1))
  }

  /// The per-sample output shape kept to the input's rank (reduced axes 1).
  func keptShape(_ shapes: OpShapes) -> [Int] {
    let reduced = Set(resolvedAxes(rank: shapes.inputs[0].count + 1).map { $0 - 1 })
    return shapes.inputs[0].indices.map { reduced.contains($0) ? 1 : shapes.inputs[0][$0] }
  }

  /// The input iterated with the output broadcast over it.
  func geometry(_ shapes: OpShapes) -> BroadcastGeometry {
    BroadcastGeometry(space: shapes.inputs[0], a: shapes.inputs[0], b: keptShape(shapes))
  }

  /// ``geometry(_:)`` as a Swift expression, for emitted code.
  func geometryLiteral(_ shapes: OpShapes) -> String {
    "BroadcastGeometry(space: \(shapes.inputs[0]), a: \(shapes.inputs[0]), b: \(keptShape(shapes)))"
  }

  /// Elements each output element reduces.
  func reducedCount(_ shapes: OpShapes) -> Int { shapes.inputCount(0) / max(1, shapes.outputCount(0)) }

  /// PyTorch's `dim=` argument: one axis, or a tuple.
  func torchDims(_ layer: TorchLayer) -> String {
    let resolved = resolvedAxes(rank: layer.inputTypes[0].rank)
    return resolved.count == 1 ? "\(resolved[0])" : "(\(resolved.map(String.init).joined(separator: ", ")))"
  }

  /// `function(x, dim=..., keepdim=...)`, PyTorch's call of a reduction
  /// (`torch.sum`, `torch.mean`, `torch.amax`, `torch.max`).
  func torchReduction(_ function: String, _ layer: TorchLayer) -> String {
    "\(function)(\(layer.x), dim=\(torchDims(layer)), keepdim=\(keepdims ? "True" : "False"))"
  }

  /// `opType` with opset 17's `axes` attribute (ReduceMean, ReduceMax) and `keepdims`.
  func exportReduction(_ onnx: ONNXNodeContext, _ opType: String, rank: Int) {
    onnx.add(
      opType, onnx.inputs, onnx.outputs, [.ints("axes", resolvedAxes(rank: rank)), .int("keepdims", keepdims ? 1 : 0)])
  }
}
