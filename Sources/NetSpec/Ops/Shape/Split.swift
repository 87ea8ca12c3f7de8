import NetSpecDiagnostics
import NetSpecKernels

/// Splits its input along `axis` into consecutive parts, the outputs `0`,
/// `1`, ... (`from: gate.0`): `chunks` equal parts (PyTorch's `torch.chunk`,
/// when the size divides evenly) or parts of the given `sizes` (`torch.split`
/// with a list). Each output's gradient flows back to its slice of the input.
public struct Split: Operator {
  public static let schema = OpSchema(
    name: "split", category: .shape,
    summary: "Splits the input along an axis into equal chunks or parts of given sizes: outputs 0, 1, ...",
    attributes: [
      .optional("chunks", .int(2...1024), "number of equal parts (the axis size must divide evenly)"),
      .optional("sizes", .ints, "the parts' sizes along the axis, adding up to its size (instead of `chunks`)"),
      .default(
        "axis", .int(ShapeRules.axisRange), .int(1),
        "axis to split (negative counts from the end); 1 is channels or features, never the batch axis 0 (torch.split's default)"
      ),
    ],
    primary: "chunks", outputs: [])

  public let chunks: Int?
  public let sizes: [Int]
  public let axis: Int

  public init(_ attributes: Attributes) {
    chunks = attributes.has("chunks") ? attributes.int("chunks") : nil
    sizes = attributes.ints("sizes")
    axis = attributes.int("axis")
  }

  /// The parts' sizes along the axis, for an axis of `size`.
  func partSizes(_ size: Int) throws(ShapeError) -> [Int] {
    guard let chunks else {
      guard sizes.count >= 2, sizes.allSatisfy({ $0 >= 1 }), sizes.reduce(0, +) == size else {
        throw ShapeError(
          .valueOutOfRange,
          "sizes \(sizes) must be at least 2 positive sizes adding up to the axis size \(size)",
          attribute: "sizes", help: "e.g. `sizes: [\(size / 2), \(size - size / 2)]`")
      }
      return sizes
    }
    guard size % chunks == 0 else {
      throw ShapeError(
        .shapeMismatch, "\(chunks) chunks do not divide the axis size \(size) evenly", attribute: "chunks",
        help: "use a divisor of \(size), or list the parts' `sizes`")
    }
    return Array(repeating: size / chunks, count: chunks)
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    guard (chunks == nil) != sizes.isEmpty else {
      throw ShapeError(
        .missingAttribute, chunks == nil ? "split needs `chunks` or `sizes`" : "give `chunks` or `sizes`, not both",
        attribute: chunks == nil ? nil : "sizes", help: "`split: 2` makes two equal parts along `axis`")
    }
    let axis = try ShapeRules.axis(self.axis, of: x, attribute: "axis")
    guard axis > 0 else {
      throw ShapeError(
        .valueOutOfRange, "axis 0 is the batch axis, which a layer cannot split", attribute: "axis",
        help: "split a feature axis (1 or -1)")
    }
    let size = try ShapeRules.staticSize(x, axis: axis, what: "size of the split axis")
    let outputs = try partSizes(size).map { part in
      var shape = x.shape
      shape[axis] = Dim(part)
      return TensorType(shape, x.dtype)
    }
    return Inference(outputs: outputs)
  }
}

extension Split: ExecutableOperator {
  public static let examples = [
    OpExample(["chunks": .int(2)], inputs: [.batch(4, 3)]),
    OpExample(["sizes": .exampleInts([1, 3, 2]), "axis": .int(-1)], inputs: [.batch(2, 6)]),
    OpExample(["chunks": .int(3), "axis": .int(2)], inputs: [.batch(2, 3, 3)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// The rows the kernel sees (the axes before the split one, per sample) and
  /// each part's floats per row.
  func layout(_ shapes: OpShapes) -> (rowsPerSample: Int, widths: [Int]) {
    let shape = shapes.inputs[0]
    let resolved = axis < 0 ? axis + shape.count + 1 : axis
    let rows = shape[..<(resolved - 1)].reduce(1, *)
    return (rows, shapes.outputs.indices.map { shapes.outputCount($0) / rows })
  }

  /// Copies each row's slices into the parts (``SplitKernels``).
  public func forward(_ k: Kernel) {
    let (rows, widths) = layout(k.shapes)
    SplitKernels.forward(k.outputs, k.inputs[0], rows: k.batch * rows, widths: widths)
  }

  /// Copies (or adds) the parts' gradients back into their slices.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let (rows, widths) = layout(k.shapes)
    SplitKernels.backward(
      dx, k.outputGradients.map { UnsafePointer($0) }, rows: k.batch * rows, widths: widths,
      accumulate: k.accumulateInput[0])
  }
}

extension Split: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (rows, widths) = layout(s.shapes)
    let parts = s.step.outputs.indices.map(s.output)
    code.call(
      "SplitKernels.forward",
      [
        "": "[\(parts.joined(separator: ", "))]", "": s.input(0), "rows": StepEmission.rows(rows),
        "widths": "\(widths)",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (rows, widths) = layout(s.shapes)
    let parts = s.step.outputGradients.indices.map { "UnsafePointer(\(s.outputGradient($0)))" }
    code.call(
      "SplitKernels.backward",
      [
        "": dx, "": "[\(parts.joined(separator: ", "))]", "rows": StepEmission.rows(rows), "widths": "\(widths)",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

extension Split: TorchExportable {
  /// `torch.split` with the parts' sizes: a tuple, one element per output.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let axis = self.axis < 0 ? self.axis + layer.inputTypes[0].rank : self.axis
    let sizes = layer.outputTypes.map { $0.shape[axis].staticValue ?? 0 }
    return "torch.split(\(layer.x), [\(sizes.map(String.init).joined(separator: ", "))], \(axis))"
  }
}

extension Split: ONNXExportable {
  /// `Split` along `axis` with the parts' sizes as its `split` input.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let axis = self.axis < 0 ? self.axis + onnx.inputTypes[0].rank : self.axis
    let sizes = onnx.outputTypes.map { $0.shape[axis].staticValue ?? 0 }
    onnx.add("Split", onnx.inputs + [onnx.int64s("split", sizes)], onnx.outputs, [.int("axis", axis)])
  }
}
