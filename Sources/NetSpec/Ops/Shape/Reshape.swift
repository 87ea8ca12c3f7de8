import NetSpecDiagnostics
import NetSpecKernels

/// Reshapes each sample: `[N, ...]` -> `[N, shape...]`. The batch axis 0 is kept
/// and not written; entries are sizes, symbols such as `T`, or one `-1` inferred
/// from the element count, which must match (symbolically, as ``Dim`` polynomials).
public struct Reshape: Operator {
  public static let schema = OpSchema(
    name: "reshape", category: .shape,
    summary: "Reshapes each sample to `shape` (batch axis kept); one -1 is inferred.",
    attributes: [
      .required("shape", .shape, "per-sample target shape, e.g. [16, 5, 5] or [T, -1]")
    ],
    primary: "shape")

  /// One entry of the target shape.
  public enum Entry: Sendable, Hashable, CustomStringConvertible {
    case size(Int)
    case symbol(String)
    /// `-1`: whatever size makes the element counts match.
    case inferred

    public var description: String {
      switch self {
      case .size(let n): String(n)
      case .symbol(let s): s
      case .inferred: "-1"
      }
    }
  }

  public let shape: [Entry]

  public init(_ attributes: Attributes) {
    shape = attributes.list("shape").map { item in
      if let symbol = item.stringValue { return .symbol(symbol) }
      guard let n = item.intValue else { preconditionFailure("shape entry \(item) is not a size") }
      return n == -1 ? .inferred : .size(n)
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireRank(x, atLeast: 1, layout: "[N, ...]")
    let target = "[" + shape.map(\.description).joined(separator: ", ") + "]"
    var known: [Dim] = []
    for entry in shape {
      switch entry {
      case .size(let n) where n < 1:
        throw ShapeError(
          .badShape, "shape \(target) has the size \(n)", attribute: "shape",
          help: "expected sizes >= 1, symbols, or -1 (once) for the size to infer")
      case .size(let n): known.append(Dim(n))
      case .symbol(let s): known.append(.symbol(s))
      case .inferred: continue
      }
    }
    guard shape.count - known.count <= 1 else {
      throw ShapeError(
        .badShape, "shape \(target) has more than one -1", attribute: "shape",
        help: "only one size can be inferred; write the others out")
    }
    let sample = try ShapeRules.product(Array(x.shape.dropFirst()), what: "input size per sample")
    let given = try ShapeRules.product(known, what: "target size per sample")
    let from = "cannot reshape \(x.shape.shapeDescription) (\(sample) values per sample)"
    let into = "[" + ([x.shape[0].description] + shape.map(\.description)).joined(separator: ", ") + "]"
    var dims = known
    if let i = shape.firstIndex(of: .inferred) {
      guard let inferred = sample.divided(by: given) else {
        throw ShapeError(
          .shapeMismatch, "\(from) into \(into): \(sample) is not divisible by \(given)",
          input: 0, attribute: "shape",
          help: "expected the known sizes of the target to divide \(sample)")
      }
      dims.insert(inferred, at: i)
    } else if given != sample {
      throw ShapeError(
        .shapeMismatch, "\(from) into \(into) (\(given) values per sample)",
        input: 0, attribute: "shape",
        help: "expected a target shape holding \(sample) values per sample, or a -1 to infer one size")
    }
    return Inference(outputs: [TensorType([x.shape[0]] + dims, x.dtype)])
  }
}

extension Reshape: LayoutView {
  public static let examples = [
    OpExample(["shape": .exampleInts([3, 4])], inputs: [.batch(12)]),
    OpExample(["shape": .exampleInts([2, -1])], inputs: [.batch(3, 4)]),
    OpExample(["shape": .exampleInts([6])], inputs: [.batch(2, 1, 3)]),
  ]
}

extension Reshape: TorchExportable {
  /// The output shape with each symbolic size taken from the input axis of the
  /// same size, and `-1` for the one that matches none.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let input = layer.inputTypes[0].shape
    let sizes = layer.outputType.shape.map { dim in
      dim.staticValue.map(String.init) ?? input.firstIndex(of: dim).map { "\(layer.x).shape[\($0)]" } ?? "-1"
    }
    return "\(layer.x).reshape(\(sizes.joined(separator: ", ")))"
  }
}

extension Reshape: ONNXExportable {
  /// `Reshape`, symbolic sizes read from the input at run time.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    try onnx.reshape(onnx.inputs[0], from: onnx.inputTypes[0], to: onnx.outputTypes[0], output: onnx.outputs[0])
  }
}
