import NetSpecKernels

/// Concatenates its inputs along `axis` (PyTorch's `torch.cat`): every other axis
/// must match exactly, the sizes along `axis` add up.
public struct Concat: Operator {
  public static let schema = OpSchema(
    name: "concat", category: .merge,
    summary: "Concatenates inputs along an axis; all other axes must match.",
    inputs: .atLeast(2),
    attributes: [
      .default(
        "axis", .int(ShapeRules.axisRange), .int(1),
        "axis to join along (negative counts from the end); 1 is channels or features (torch.cat's default 0 is the batch axis)"
      )
    ],
    primary: "axis")

  public let axis: Int

  public init(_ attributes: Attributes) {
    axis = attributes.int("axis")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    for (i, x) in inputs.enumerated() { try ShapeRules.requireFloat(x, input: i) }
    let first = inputs[0]
    let axis = try ShapeRules.axis(self.axis, of: first, attribute: "axis")
    // Input 0's shape with the free axis shown as `*`, e.g. `[N, *, 5, 5]`.
    var pattern = first.shape.map(\.description)
    pattern[axis] = "*"
    var joined = first.shape[axis]
    for (i, x) in inputs.enumerated().dropFirst() {
      let fits =
        x.rank == first.rank
        && x.shape.indices.allSatisfy { $0 == axis || x.shape[$0] == first.shape[$0] }
      guard fits else {
        throw ShapeError(
          x.rank == first.rank ? .shapeMismatch : .rankMismatch,
          "input \(i) has shape \(x.shape.shapeDescription), expected "
            + "[\(pattern.joined(separator: ", "))] to match input 0 "
            + "\(first.shape.shapeDescription) on every axis but axis \(axis)",
          input: i,
          help: "concatenated inputs may differ only along axis \(axis); resize or pool them to match")
      }
      joined = try ShapeRules.add(joined, x.shape[axis])
    }
    var shape = first.shape
    shape[axis] = joined
    return Inference(outputs: [TensorType(shape)])
  }
}

extension Concat: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(2, 3), .batch(4, 3)]),
    OpExample(["axis": .int(-1)], inputs: [.batch(2, 3), .batch(2, 1), .batch(2, 2)]),
    OpExample(["axis": .int(2)], inputs: [.batch(3, 2, 2), .batch(3, 1, 2)]),
    OpExample(inputs: [.batch(2), .batch(3)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// How many contiguous chunks one sample of any input splits into: the product
  /// of its axes before the joined one. (`axis` resolves to >= 1: joining along
  /// the batch axis gives an output without `N` first, which the planner rejects.)
  func outerPerSample(_ shape: [Int]) -> Int {
    let resolved = axis < 0 ? axis + shape.count + 1 : axis
    return shape[..<(resolved - 1)].reduce(1, *)
  }

  /// Copies each input's chunks into their slot of every output chunk.
  public func forward(_ k: Kernel) {
    let perSample = outerPerSample(k.shapes.inputs[0])
    let outer = k.batch * perSample
    let outputChunk = k.shapes.outputCount(0) / perSample
    let y = k.outputs[0]
    var offset = 0
    for i in k.inputs.indices {
      let x = k.inputs[i]
      let chunk = k.shapes.inputCount(i) / perSample
      for o in 0..<outer {
        CopyKernel.copy(x + o * chunk, y + o * outputChunk + offset, count: chunk)
      }
      offset += chunk
    }
  }

  /// Copies (or adds) each input's slots of the output gradient back.
  public func backward(_ k: Kernel) {
    let perSample = outerPerSample(k.shapes.inputs[0])
    let outer = k.batch * perSample
    let outputChunk = k.shapes.outputCount(0) / perSample
    let dy = k.outputGradients[0]
    var offset = 0
    for i in k.inputs.indices {
      let chunk = k.shapes.inputCount(i) / perSample
      if let dx = k.inputGradients[i] {
        let accumulate = k.accumulateInput[i]
        for o in 0..<outer {
          CopyKernel.copy(dy + o * outputChunk + offset, dx + o * chunk, count: chunk, accumulate: accumulate)
        }
      }
      offset += chunk
    }
  }
}

extension Concat: EmittableOperator {
  /// As the interpreter: per input, one copy per chunk into its slot of the
  /// output chunk, with literal chunk sizes and offsets.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let perSample = outerPerSample(s.shapes.inputs[0])
    let outputChunk = s.shapes.outputCount(0) / perSample
    var offset = 0
    for i in s.step.inputs.indices {
      let chunk = s.shapes.inputCount(i) / perSample
      code.block("for o in 0..<\(StepEmission.rows(perSample))") { code in
        code.line(
          "CopyKernel.copy(\(s.input(i)) + o * \(chunk), \(s.output(0)) + o * \(outputChunk)\(offset == 0 ? "" : " + \(offset)"), count: \(chunk))"
        )
      }
      offset += chunk
    }
  }

  /// Copies (or adds) each input's slots of the output gradient back.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let perSample = outerPerSample(s.shapes.inputs[0])
    let outputChunk = s.shapes.outputCount(0) / perSample
    var offset = 0
    for i in s.step.inputs.indices {
      let chunk = s.shapes.inputCount(i) / perSample
      if let dx = s.inputGradient(i) {
        code.block("for o in 0..<\(StepEmission.rows(perSample))") { code in
          code.line(
            "CopyKernel.copy(\(s.outputGradient(0)) + o * \(outputChunk)\(offset == 0 ? "" : " + \(offset)"), \(dx) + o * \(chunk), count: \(chunk), accumulate: \(s.accumulatesInput(i)))"
          )
        }
      }
      offset += chunk
    }
  }
}

extension Concat: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "torch.cat([\(layer.inputs.joined(separator: ", "))], \(axis))"
  }
}

extension Concat: ONNXExportable {
  /// `Concat` along `axis`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Concat", onnx.inputs, onnx.outputs, [.int("axis", axis)])
  }
}
