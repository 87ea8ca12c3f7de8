import NetSpecKernels

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

  /// `y[n, t] = x[n, t] + PE[t]`, with `PE` the sine/cosine table or the weight
  /// (``EmbeddingKernels``).
  public func forward(_ k: Kernel) {
    EmbeddingKernels.addPositions(
      y: k.outputs[0], x: k.inputs[0], table: kind == .learned ? k.parameters[0] : nil, workspace: k.workspace,
      batch: k.batch, steps: k.shapes.inputs[0][0], width: k.shapes.inputs[0][1])
  }

  /// `dx = dy`; the learned table's row `t` receives the sum over the batch of
  /// `dy[n, t]` (rows past the sequence get none).
  public func backward(_ k: Kernel) {
    let (steps, width) = (k.shapes.inputs[0][0], k.shapes.inputs[0][1])
    if let dx = k.inputGradients[0] {
      CopyKernel.copy(k.outputGradients[0], dx, count: k.batch * steps * width, accumulate: k.accumulateInput[0])
    }
    guard kind == .learned, let dWeight = k.parameterGradients[0] else { return }
    EmbeddingKernels.addPositionsBackward(
      dTable: dWeight, dy: k.outputGradients[0], batch: k.batch, steps: steps, width: width, rows: maxLength,
      accumulate: k.accumulateParameter[0])
  }
}

extension PositionalEncoding: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "EmbeddingKernels.addPositions",
      [
        "y": s.output(0), "x": s.input(0), "table": kind == .learned ? s.parameter(0) : "nil",
        "workspace": kind == .sinusoidal ? s.workspace : "nil", "batch": "n", "steps": "\(s.shapes.inputs[0][0])",
        "width": "\(s.shapes.inputs[0][1])",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (steps, width) = (s.shapes.inputs[0][0], s.shapes.inputs[0][1])
    if let dx = s.inputGradient(0) {
      code.call(
        "CopyKernel.copy",
        [
          "": s.outputGradient(0), "": dx, "count": StepEmission.rows(steps * width),
          "accumulate": "\(s.accumulatesInput(0))",
        ])
    }
    guard kind == .learned, let dWeight = s.parameterGradient(0) else { return }
    code.call(
      "EmbeddingKernels.addPositionsBackward",
      [
        "dTable": dWeight, "dy": s.outputGradient(0), "batch": "n", "steps": "\(steps)", "width": "\(width)",
        "rows": "\(maxLength)", "accumulate": "\(s.accumulatesParameter(0))",
      ])
  }
}

extension PositionalEncoding: TorchExportable {
  static let torchSinusoidal = """
    def sinusoidal_positions(x):
        \"\"\"x [N, T, D] plus PE(t, 2i) = sin(t / 10000^(2i/D)), PE(t, 2i+1) = cos(t / 10000^(2i/D)).\"\"\"
        steps, width = x.shape[1], x.shape[2]
        t = torch.arange(steps, dtype=torch.float64, device=x.device)[:, None]
        angle = t / 10000.0 ** (torch.arange(0, width, 2, dtype=torch.float64, device=x.device) / width)
        table = torch.zeros(steps, width, dtype=torch.float64, device=x.device)
        table[:, 0::2] = torch.sin(angle)
        table[:, 1::2] = torch.cos(angle[:, : width // 2])
        return x + table.to(x.dtype)
    """

  static let torchLearned = """
    class LearnedPositions(nn.Module):
        \"\"\"Adds a trainable [max_length, D] table's first T rows to x [N, T, D].\"\"\"

        def __init__(self, max_length, width):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(max_length, width))

        def forward(self, x):
            return x + self.weight[: x.shape[1]]
    """

  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    guard kind == .learned else { return nil }
    layer.define("LearnedPositions", Self.torchLearned)
    return "LearnedPositions(\(maxLength), \(layer.size(axis: -1)))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    guard kind == .learned else {
      layer.define("sinusoidal_positions", Self.torchSinusoidal)
      return "sinusoidal_positions(\(layer.x))"
    }
    return "\(layer.module)(\(layer.x))"
  }

  /// PyTorch has no module for it.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self)
      + ": the Transformer paper's table added to x; PyTorch has no positional encoding module"
  }
}

extension PositionalEncoding: ONNXExportable {
  /// `Add` of the table's first T rows: the sinusoidal table as a constant
  /// (T rows when T is static, `max_length` rows sliced at run time when not),
  /// the learned one sliced from its weight.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let shape = onnx.inputTypes[0].shape
    let (steps, width) = (shape[1].staticValue, shape[2].staticValue!)
    let table: String
    switch kind {
    case .sinusoidal:
      let rows = steps ?? maxLength
      var values = [Float](repeating: 0, count: rows * width)
      values.withUnsafeMutableBufferPointer { buffer in
        for step in 0..<rows {
          EmbeddingKernels.sinusoid(row: buffer.baseAddress! + step * width, step: step, width: width)
        }
      }
      table = onnx.constant("table", values, shape: [rows, width])
      if steps != nil {
        onnx.add("Add", [onnx.inputs[0], table], onnx.outputs)
        return
      }
    case .learned:
      table = onnx.parameter("weight")
    }
    let rows = onnx.temporary("rows")
    let end = steps.map { onnx.int64s("steps", [$0]) } ?? onnx.dimension(onnx.inputs[0], axis: 1)
    onnx.add("Slice", [table, onnx.int64s("start", [0]), end, onnx.int64s("axes", [0])], [rows])
    onnx.add("Add", [onnx.inputs[0], rows], onnx.outputs)
  }
}
