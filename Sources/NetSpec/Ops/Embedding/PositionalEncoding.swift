import Foundation

/// Adds position information to a sequence `[N, T, D]`: the fixed sine/cosine
/// table of the Transformer paper (`sinusoidal`, no parameters) or a learned
/// table of `max_length` vectors (`learned`, as BERT and GPT-2).
public struct PositionalEncoding: Operator {
  /// How the position vectors are made.
  public enum Kind: String, Sendable, CaseIterable {
    /// PE(t, 2i) = sin(t / 10000^(2i/D)), PE(t, 2i+1) = cos(t / 10000^(2i/D)).
    case sinusoidal
    /// A trainable `[max_length, D]` table.
    case learned
  }

  public static let schema = OpSchema(
    name: "positional_encoding", category: .embedding,
    summary: "Adds a sinusoidal or learned position vector to each step of [N, T, D].",
    attributes: [
      .default(
        "kind", .choice(Kind.allCases.map(\.rawValue)), .string(Kind.sinusoidal.rawValue),
        "fixed sine/cosine encodings or a learned table"),
      .default(
        "max_length", .int(1...Dim.limit), .int(5000),
        "longest sequence the encoding covers (rows of the learned table)"),
    ],
    primary: "kind")

  public let kind: Kind
  public let maxLength: Int

  public init(_ attributes: Attributes) {
    kind = attributes.string("kind").flatMap(Kind.init(rawValue:)) ?? .sinusoidal
    maxLength = attributes.int("max_length")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 3, layout: "[N, T, D]")
    let width = try ShapeRules.staticSize(x, axis: 2, what: "model width")
    if let length = x.shape[1].staticValue, length > maxLength {
      throw ShapeError(
        .valueOutOfRange,
        "the sequence has \(length) steps but max_length is \(maxLength)",
        input: 0, attribute: "max_length",
        help: "set `max_length: \(length)` or more, or shorten the sequence")
    }
    var parameters: [ParameterSpec] = []
    switch kind {
    case .sinusoidal:
      guard width % 2 == 0 else {
        throw ShapeError(
          .shapeMismatch,
          "sinusoidal encodings need an even model width, got D = \(width) in \(x.shape.shapeDescription)",
          input: 0,
          help: "sine and cosine fill alternate features: use an even width such as \(width + 1), or `kind: learned`")
      }
    case .learned:
      _ = try ShapeRules.parameterCount([maxLength, width])
      parameters.append(ParameterSpec("weight", [maxLength, width], .normal(std: 0.02)))
    }
    return Inference(
      outputs: [x], parameters: parameters, flops: ShapeRules.flops(x, perElement: 1))
  }
}

extension PositionalEncoding: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]),
    OpExample(["kind": .string("learned"), "max_length": .int(5)], inputs: [.batch(3, 2)]),
  ]

  public var backwardReads: BackwardReads { .nothing }

  /// The sinusoidal table's row for one step, computed once per call and added
  /// to every sample.
  public func workspace(_ shapes: OpShapes) -> Int {
    kind == .sinusoidal ? shapes.inputs[0][1] : 0
  }

  /// `y[n, t] = x[n, t] + PE[t]`, with `PE` the sine/cosine table or the weight.
  public func forward(_ k: Kernel) {
    let (steps, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1])
    for t in 0..<steps {
      let position: UnsafePointer<Float>
      switch kind {
      case .sinusoidal:
        Self.sinusoid(step: t, width: width, into: k.workspace!)
        position = UnsafePointer(k.workspace!)
      case .learned:
        position = UnsafePointer(k.parameters[0] + t * width)
      }
      for n in 0..<k.batch {
        let offset = (n * steps + t) * width
        let (x, y) = (k.inputs[0] + offset, k.outputs[0] + offset)
        for j in 0..<width { y[j] = x[j] + position[j] }
      }
    }
  }

  /// `dx = dy`; the learned table's row `t` receives the sum over the batch of
  /// `dy[n, t]` (rows past the sequence get none).
  public func backward(_ k: Kernel) {
    let (steps, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1])
    let dy = k.outputGradients[0]
    if let dx = k.inputGradients[0] {
      let count = k.batch * steps * width
      if k.accumulateInput[0] {
        for i in 0..<count { dx[i] += dy[i] }
      } else {
        dx.update(from: dy, count: count)
      }
    }
    guard kind == .learned, let dWeight = k.parameterGradients[0] else { return }
    if !k.accumulateParameter[0] { dWeight.update(repeating: 0, count: maxLength * width) }
    for n in 0..<k.batch {
      for t in 0..<steps {
        let (row, source) = (dWeight + t * width, dy + (n * steps + t) * width)
        for j in 0..<width { row[j] += source[j] }
      }
    }
  }

  /// Row `step` of the Transformer's table: `PE[2i] = sin(step / 10000^(2i / width))`,
  /// `PE[2i + 1] = cos(...)` (computed in double precision, then rounded).
  private static func sinusoid(step: Int, width: Int, into row: UnsafeMutablePointer<Float>) {
    for i in 0..<(width / 2) {
      let angle = Double(step) * exp(-log(10_000.0) * Double(2 * i) / Double(width))
      row[2 * i] = Float(sin(angle))
      row[2 * i + 1] = Float(cos(angle))
    }
  }
}

extension PositionalEncoding: EmittableOperator {
  /// `y[n, t] = x[n, t] + PE[t]`: the sinusoidal row computed in the
  /// workspace as the interpreter does (double precision, then rounded), or
  /// the learned table's row.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (steps, width) = (s.shapes.inputs[0][0], s.shapes.inputs[0][1])
    code.line("let (x, y) = (\(s.input(0)), \(s.output(0)))")
    if kind == .sinusoidal { code.line("let position = \(s.workspace)") }
    code.block("for t in 0..<\(steps)") { code in
      switch kind {
      case .sinusoidal:
        code.block("for i in 0..<\(width / 2)") { code in
          code.line("let angle = Double(t) * exp(-log(10_000.0) * Double(2 * i) / Double(\(width)))")
          code.line("position[2 * i] = Float(sin(angle))")
          code.line("position[2 * i + 1] = Float(cos(angle))")
        }
      case .learned:
        code.line("let position = \(s.parameter(0)) + t * \(width)")
      }
      code.block("for sample in 0..<n") { code in
        code.line("let offset = (sample * \(steps) + t) * \(width)")
        code.line("for j in 0..<\(width) { y[offset + j] = x[offset + j] + position[j] }")
      }
    }
  }

  /// `dx = dy`; the learned table's row `t` sums `dy[n, t]` over the batch.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (steps, width) = (s.shapes.inputs[0][0], s.shapes.inputs[0][1])
    if let dx = s.inputGradient(0) {
      code.line(
        "CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(StepEmission.rows(steps * width)), accumulate: \(s.accumulatesInput(0)))"
      )
    }
    guard kind == .learned, let dWeight = s.parameterGradient(0) else { return }
    if !s.accumulatesParameter(0) { code.line("(\(dWeight)).update(repeating: 0, count: \(maxLength * width))") }
    code.line("let (dy, dWeight) = (\(s.outputGradient(0)), \(dWeight))")
    code.block("for sample in 0..<n") { code in
      code.block("for t in 0..<\(steps)") { code in
        code.line("let (row, source) = (dWeight + t * \(width), dy + (sample * \(steps) + t) * \(width))")
        code.line("for j in 0..<\(width) { row[j] += source[j] }")
      }
    }
  }
}
