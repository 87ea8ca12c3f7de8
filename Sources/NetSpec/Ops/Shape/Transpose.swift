import NetSpecDiagnostics

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
    OpExample(["perm": exampleList([0, 2, 1])], inputs: [.batch(3, 4)]),
    OpExample(["perm": exampleList([0, 3, 1, 2])], inputs: [.batch(2, 3, 4)]),
    OpExample(["perm": exampleList([0, 2, 3, 1])], inputs: [.batch(2, 3, 2)]),
    OpExample(["perm": exampleList([0, 1])], inputs: [.batch(3)]),
  ]
  public var backwardReads: BackwardReads { .nothing }

  /// Gathers each output row from a strided run of the input.
  public func forward(_ k: Kernel) {
    permute(k, k.inputs[0], k.outputs[0], scatter: false, accumulate: false)
  }

  /// Scatters each output-gradient row back to where its values came from.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    permute(k, k.outputGradients[0], dx, scatter: true, accumulate: k.accumulateInput[0])
  }

  /// Walks the output `[batch, ...]` in row-major order, one run along its last
  /// axis at a time, tracking the matching input offset with an odometer over
  /// the other output axes. Forward: `destination[out] = source[in]`; with
  /// `scatter` (backward): `destination[in] (+)= source[out]`. The batch axis is
  /// part of the walk, so any permutation is handled, not only those keeping axis 0.
  func permute(
    _ k: Kernel, _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, scatter: Bool,
    accumulate: Bool
  ) {
    let shape = k.shapes.inputs[0]
    let rank = perm.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * rank) { scratch in
      // Per output axis: current index, size, and the input stride it moves along.
      let index = scratch.baseAddress!
      let size = index + rank
      let stride = index + 2 * rank
      for axis in 0..<rank {
        let inputAxis = perm[axis]
        index[axis] = 0
        size[axis] = inputAxis == 0 ? k.batch : shape[inputAxis - 1]
        stride[axis] = shape[inputAxis...].reduce(1, *)
      }
      let run = size[rank - 1]
      let step = stride[rank - 1]
      let runs = k.batch * shape.reduce(1, *) / run
      var inputOffset = 0
      for r in 0..<runs {
        let output = r * run
        if !scatter {
          for t in 0..<run { destination[output + t] = source[inputOffset + t * step] }
        } else if accumulate {
          for t in 0..<run { destination[inputOffset + t * step] += source[output + t] }
        } else {
          for t in 0..<run { destination[inputOffset + t * step] = source[output + t] }
        }
        var axis = rank - 2
        while axis >= 0 {
          index[axis] += 1
          inputOffset += stride[axis]
          if index[axis] < size[axis] { break }
          inputOffset -= stride[axis] * size[axis]
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }
}

extension Transpose: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    emitPermute(s, source: s.input(0), destination: s.output(0), scatter: false, accumulate: false, &code)
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    emitPermute(
      s, source: s.outputGradient(0), destination: dx, scatter: true, accumulate: s.accumulatesInput(0), &code)
  }

  /// The interpreter's walk as nested loops: one loop per output axis but the
  /// last (`a0`, `a1`, ...; the batch axis runs to `n`), the input offset as a
  /// sum of literal strides, and one run along the last output axis. The walk
  /// only moves values (adding each at most once), so the order cannot change them.
  private func emitPermute(
    _ s: StepEmission, source: String, destination: String, scatter: Bool, accumulate: Bool,
    _ code: inout SwiftWriter
  ) {
    let shape = s.shapes.inputs[0]
    let rank = perm.count
    let sizes = perm.map { $0 == 0 ? "n" : String(shape[$0 - 1]) }
    let strides = perm.map { shape[$0...].reduce(1, *) }
    let (run, step) = (sizes[rank - 1], strides[rank - 1])
    let strided = step == 1 ? "t" : "t * \(step)"
    let move =
      !scatter
      ? "destination[output + t] = source[input + \(strided)]"
      : "destination[input + \(strided)] \(accumulate ? "+=" : "=") source[output + t]"
    guard rank > 1 else {  // `[N]`: the identity
      code.line("CopyKernel.copy(\(source), \(destination), count: n, accumulate: \(accumulate))")
      return
    }
    code.line("let (source, destination) = (\(source), \(destination))")
    code.line("var output = 0")
    func loops(_ axis: Int, _ code: inout SwiftWriter) {
      guard axis < rank - 1 else {
        let terms = (0..<(rank - 1)).map { strides[$0] == 1 ? "a\($0)" : "a\($0) * \(strides[$0])" }
        code.line("let input = \(terms.joined(separator: " + "))")
        code.line("for t in 0..<\(run) { \(move) }")
        code.line("output += \(run)")
        return
      }
      code.block("for a\(axis) in 0..<\(sizes[axis])") { code in loops(axis + 1, &code) }
    }
    loops(0, &code)
  }
}

/// A list attribute of integers, as written in a spec, for the examples.
private func exampleList(_ values: [Int]) -> SpecValue.Kind {
  let span = SourceSpan(file: SourceFile(path: "<example>", text: ""), from: 0, to: 0)
  return .list(values.map { SpecValue(.int($0), span: span) })
}
