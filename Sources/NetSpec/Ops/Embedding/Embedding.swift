import NetSpecKernels

/// A learned lookup table from token ids to vectors: int32 `[N, ...]` ids become
/// float `[N, ..., dim]`. Weight layout `[vocab, dim]` (as PyTorch's
/// `nn.Embedding`), so it can be tied to a `dense` output layer of `vocab` units.
///
/// Initialization: N(0, 1) as PyTorch's; with `scale`, N(0, 1/dim) as fairseq's
/// and tensor2tensor's Transformers, so that the scaled vectors start with unit
/// variance and a tied output projection starts with logits of unit variance
/// (with N(0, 1) they would have variance `dim`, and the first loss would be
/// tens of nats instead of about log(vocab)).
public struct Embedding: Operator {
  public static let schema = OpSchema(
    name: "embedding", category: .embedding,
    summary: "Looks up a learned vector for each integer token id: [N, ...] -> [N, ..., dim].",
    attributes: [
      .required("vocab", .int(1...Dim.limit), "number of distinct token ids (ids are 0..<vocab)"),
      .required("dim", .int(1...Dim.limit), "size of each embedding vector"),
      .default(
        "scale", .bool, .bool(false),
        "multiply the vectors by sqrt(dim), as in the Transformer paper (and initialize with std 1/sqrt(dim))"),
    ])

  public let vocab: Int
  public let dim: Int
  public let scale: Bool

  public init(_ attributes: Attributes) {
    vocab = attributes.int("vocab")
    dim = attributes.int("dim")
    scale = attributes.bool("scale")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let ids = inputs[0]
    guard ids.dtype == .int32 else {
      throw ShapeError(
        .shapeMismatch,
        "expected int32 token ids, got \(ids.dtype.rawValue) \(ids.shape.shapeDescription)",
        input: 0, help: "token ids must be integers; declare the input with `dtype: int32`")
    }
    try ShapeRules.requireRank(ids, atLeast: 1, layout: "[N, ...]")
    _ = try ShapeRules.parameterCount([vocab, dim])
    let output = TensorType(ids.shape + [Dim(dim)])
    return Inference(
      outputs: [output],
      parameters: [ParameterSpec("weight", [vocab, dim], .normal(std: scale ? 1 / Double(dim).squareRoot() : 1))],
      flops: scale ? ShapeRules.flops(output, perElement: 1) : 0)
  }
}

extension Embedding: ExecutableOperator {
  public static let examples = [
    OpExample(["vocab": .int(5), "dim": .int(3)], inputs: [.batchIDs(4)], idRange: 5),
    OpExample(["vocab": .int(4), "dim": .int(6), "scale": .bool(true)], inputs: [.batchIDs(2, 3)], idRange: 4),
  ]

  /// The ids select which weight rows receive gradient.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// `sqrt(dim)` with `scale`, else 1.
  private var multiplier: Float { scale ? Float(dim).squareRoot() : 1 }

  /// Row `id` of the weight (times the multiplier) for each id (``EmbeddingKernels``).
  public func forward(_ k: Kernel) {
    EmbeddingKernels.lookup(
      y: k.outputs[0], ids: k.inputs[0], weight: k.parameters[0], count: k.batch * k.shapes.inputCount(0),
      vocab: vocab, dim: dim, multiplier: multiplier)
  }

  /// Scatter-adds each output gradient row into the weight-gradient row of its
  /// id. Ids get no gradient: a requested one is zero.
  public func backward(_ k: Kernel) {
    let count = k.batch * k.shapes.inputCount(0)
    if let dIDs = k.inputGradients[0], !k.accumulateInput[0] { dIDs.update(repeating: 0, count: count) }
    guard let dWeight = k.parameterGradients[0] else { return }
    EmbeddingKernels.lookupBackward(
      dWeight: dWeight, ids: k.inputs[0], dy: k.outputGradients[0], count: count, vocab: vocab, dim: dim,
      multiplier: multiplier, accumulate: k.accumulateParameter[0])
  }
}

extension Embedding: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.call(
      "EmbeddingKernels.lookup",
      [
        "y": s.output(0), "ids": s.input(0), "weight": s.parameter(0),
        "count": StepEmission.rows(s.shapes.inputCount(0)), "vocab": "\(vocab)", "dim": "\(dim)",
        "multiplier": StepEmission.literal(multiplier),
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    if let dIDs = s.inputGradient(0), !s.accumulatesInput(0) {
      code.line("(\(dIDs)).update(repeating: 0, count: \(count))  // ids get no gradient")
    }
    guard let dWeight = s.parameterGradient(0) else { return }
    code.call(
      "EmbeddingKernels.lookupBackward",
      [
        "dWeight": dWeight, "ids": s.input(0), "dy": s.outputGradient(0), "count": count, "vocab": "\(vocab)",
        "dim": "\(dim)", "multiplier": StepEmission.literal(multiplier),
        "accumulate": "\(s.accumulatesParameter(0))",
      ])
  }
}

extension Embedding: TorchExportable {
  /// `nn.Embedding`, or the tied layer's weight through `F.embedding`.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    layer.isTied("weight") ? nil : "nn.Embedding(\(vocab), \(dim))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    let lookup =
      layer.isTied("weight")
      ? "F.embedding(\(layer.x).long(), \(layer.parameter("weight")))" : "\(layer.module)(\(layer.x).long())"
    return scale ? "\(lookup) * math.sqrt(\(dim))" : lookup
  }
}

extension Embedding: ONNXExportable {
  /// `Gather` of the weight's rows by the int32 ids, times sqrt(dim) with `scale`.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let rows = scale ? onnx.temporary("rows") : onnx.outputs[0]
    onnx.add("Gather", [onnx.parameter("weight"), onnx.inputs[0]], [rows], [.int("axis", 0)])
    if scale { onnx.add("Mul", [rows, onnx.scalar("scale", multiplier)], onnx.outputs) }
  }
}
