import NetSpecDiagnostics
import NetSpecKernels

/// Repeats each sample along its axes of size 1 (PyTorch's `expand`, batch axis
/// kept): `shape` lists a size for every axis after the batch axis, `-1` keeps
/// the input's size, and an axis may grow only from size 1. The gradient sums
/// over the repeated positions. Unlike PyTorch, the output is a copy, and no
/// new leading axes are added (`unsqueeze` first).
public struct Expand: Operator {
  public static let schema = OpSchema(
    name: "expand", category: .shape,
    summary: "Repeats axes of size 1 to `shape` (per sample, -1 keeps a size); the gradient sums them.",
    attributes: [
      .required("shape", .shape, "per-sample target shape, e.g. [4, -1]; each size is -1, the input's, or from 1")
    ],
    primary: "shape")

  public let shape: [Reshape.Entry]

  public init(_ attributes: Attributes) {
    shape = attributes.list("shape").map { item in
      if let symbol = item.stringValue { return .symbol(symbol) }
      guard let n = item.intValue else { preconditionFailure("shape entry \(item) is not a size") }
      return n == -1 ? .inferred : .size(n)
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    let target = "[" + shape.map(\.description).joined(separator: ", ") + "]"
    guard shape.count == x.rank - 1 else {
      throw ShapeError(
        .rankMismatch,
        "shape \(target) has \(shape.count) sizes, but a sample of \(x.shape.shapeDescription) has \(x.rank - 1) axes",
        input: 0, attribute: "shape",
        help: "list one size per axis after the batch axis (-1 keeps it); `unsqueeze` adds an axis first")
    }
    var dims = [x.shape[0]]
    for (i, entry) in shape.enumerated() {
      let current = x.shape[i + 1]
      let wanted: Dim
      switch entry {
      case .inferred: wanted = current
      case .size(let n) where n < 1:
        throw ShapeError(
          .badShape, "shape \(target) has the size \(n)", attribute: "shape",
          help: "expected sizes >= 1, symbols, or -1 to keep the input's size")
      case .size(let n): wanted = Dim(n)
      case .symbol(let s): wanted = .symbol(s)
      }
      guard wanted == current || current == Dim(1) else {
        throw ShapeError(
          .shapeMismatch,
          "cannot expand axis \(i + 1) of \(x.shape.shapeDescription) from \(current) to \(wanted)", input: 0,
          attribute: "shape", help: "only an axis of size 1 can be expanded; write -1 or \(current) to keep it")
      }
      dims.append(wanted)
    }
    let output = TensorType(dims)
    return Inference(outputs: [output])
  }
}

extension Expand: ExecutableOperator {
  public static let examples = [
    OpExample(["shape": .exampleInts([3, -1])], inputs: [.batch(1, 4)]),
    OpExample(["shape": .exampleInts([2, 3, 2])], inputs: [.batch(2, 1, 1)]),
    OpExample(["shape": .exampleInts([-1, 4])], inputs: [.batch(3, 1)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// Each sample's output iterated with its input broadcast over it.
  private func geometry(_ shapes: OpShapes) -> BroadcastGeometry {
    BroadcastGeometry(space: shapes.outputs[0], a: shapes.outputs[0], b: shapes.inputs[0])
  }

  /// Repeats the input into the output (``BroadcastKernels/expand(y:x:scale:batch:geometry:accumulate:)``).
  public func forward(_ k: Kernel) {
    BroadcastKernels.expand(
      y: k.outputs[0], x: k.inputs[0], scale: 1, batch: k.batch, geometry: geometry(k.shapes), accumulate: false)
  }

  /// Sums the output gradient over the repeated positions.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    BroadcastKernels.sum(
      y: dx, x: k.outputGradients[0], scale: 1, batch: k.batch, geometry: geometry(k.shapes),
      accumulate: k.accumulateInput[0])
  }
}

extension Expand: EmittableOperator {
  /// ``geometry(_:)`` as a Swift expression.
  private static func geometryLiteral(_ shapes: OpShapes) -> String {
    "BroadcastGeometry(space: \(shapes.outputs[0]), a: \(shapes.outputs[0]), b: \(shapes.inputs[0]))"
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "BroadcastKernels.expand",
      [
        "y": s.output(0), "x": s.input(0), "scale": "1", "batch": "n", "geometry": Self.geometryLiteral(s.shapes),
        "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "BroadcastKernels.sum",
      [
        "y": dx, "x": s.outputGradient(0), "scale": "1", "batch": "n", "geometry": Self.geometryLiteral(s.shapes),
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

/// The target sizes for an export: -1 (kept) for the batch axis and every
/// size the input already has, else the static size; nil if a grown axis has a
/// symbolic size, which the exports do not read from elsewhere.
private func exportSizes(input: Shape, output: Shape) -> [Int]? {
  var sizes: [Int] = []
  for (axis, dim) in output.enumerated() {
    if axis == 0 || dim == input[axis] {
      sizes.append(-1)
    } else if let size = dim.staticValue {
      sizes.append(size)
    } else {
      return nil
    }
  }
  return sizes
}

private let symbolicHelp = "expand to static sizes (bind the symbol with `--dim`, or write the size)"

extension Expand: TorchExportable {
  /// `expand` with the batch axis and kept sizes as -1.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    guard let sizes = exportSizes(input: layer.inputTypes[0].shape, output: layer.outputType.shape) else {
      throw TorchExportError("expand to a symbolic size", attribute: "shape", help: symbolicHelp)
    }
    return "\(layer.x).expand(\(sizes.map(String.init).joined(separator: ", ")))"
  }
}

extension Expand: ONNXExportable {
  /// `Expand` to the output's shape with the batch axis and kept sizes as 1,
  /// which ONNX's broadcasting keeps at the input's size.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    guard let sizes = exportSizes(input: onnx.inputTypes[0].shape, output: onnx.outputTypes[0].shape) else {
      throw ONNXUnsupported("expand to a symbolic size", attribute: "shape", help: symbolicHelp)
    }
    onnx.add("Expand", [onnx.inputs[0], onnx.int64s("shape", sizes.map { max($0, 1) })], onnx.outputs)
  }
}
