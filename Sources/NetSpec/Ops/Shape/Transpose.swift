import NetSpecDiagnostics
import NetSpecKernels

/// Permutes the axes of its input (PyTorch's `permute`): output axis `i` is input
/// axis `perm[i]`. `perm` lists every axis, the batch axis 0 included.
public struct Transpose: Operator {
  public static let schema = OpSchema(
    name: "transpose", category: .shape,
    summary: "Permutes axes: output axis i is input axis perm[i] (batch axis 0 included).",
    attributes: [
      .required("perm", .ints, "a permutation of all input axes, e.g. [0, 2, 1]")
    ],
    primary: "perm")

  public let perm: [Int]

  public init(_ attributes: Attributes) {
    perm = attributes.ints("perm")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    guard perm.sorted() == Array(0..<x.rank) else {
      let problem =
        perm.count != x.rank
        ? "perm \(perm) lists \(perm.count) axes, but the input \(x.shape.shapeDescription) has rank \(x.rank)"
        : "perm \(perm) is not a permutation of the axes 0...\(x.rank - 1) of the input \(x.shape.shapeDescription)"
      throw ShapeError(
        .valueOutOfRange, problem, input: 0, attribute: "perm",
        help: "expected each of the axes \(Array(0..<x.rank)) exactly once, the batch axis 0 included")
    }
    return Inference(outputs: [TensorType(perm.map { x.shape[$0] }, x.dtype)])
  }
}

extension Transpose: ExecutableOperator {
  public static let examples = [
    OpExample(["perm": .exampleInts([0, 2, 1])], inputs: [.batch(3, 4)]),
    OpExample(["perm": .exampleInts([0, 3, 1, 2])], inputs: [.batch(2, 3, 4)]),
    OpExample(["perm": .exampleInts([0, 2, 3, 1])], inputs: [.batch(2, 3, 2)]),
    OpExample(["perm": .exampleInts([0, 1])], inputs: [.batch(3)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// Gathers each output row from a strided run of the input (``PermuteKernel``).
  public func forward(_ k: Kernel) {
    PermuteKernel.permute(
      y: k.outputs[0], x: k.inputs[0], batch: k.batch, shape: k.shapes.inputs[0], perm: perm, scatter: false,
      accumulate: false)
  }

  /// Scatters each output-gradient row back to where its values came from.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    PermuteKernel.permute(
      y: dx, x: k.outputGradients[0], batch: k.batch, shape: k.shapes.inputs[0], perm: perm, scatter: true,
      accumulate: k.accumulateInput[0])
  }
}

extension Transpose: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "PermuteKernel.permute",
      [
        "y": s.output(0), "x": s.input(0), "batch": "n", "shape": "\(s.shapes.inputs[0])", "perm": "\(perm)",
        "scatter": "false", "accumulate": "false",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    code.call(
      "PermuteKernel.permute",
      [
        "y": dx, "x": s.outputGradient(0), "batch": "n", "shape": "\(s.shapes.inputs[0])", "perm": "\(perm)",
        "scatter": "true", "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Transpose: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.x).permute(\(perm.map(String.init).joined(separator: ", ")))"
  }
}

extension Transpose: ONNXExportable {
  /// `Transpose` with `perm`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Transpose", onnx.inputs, onnx.outputs, [.ints("perm", perm)])
  }
}
