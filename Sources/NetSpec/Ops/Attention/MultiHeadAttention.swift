import NetSpecDiagnostics
import NetSpecKernels

/// Multi-head scaled dot-product attention over `[N, T, D]` sequences, as
/// `torch.nn.MultiheadAttention(D, heads, batch_first=True)`.
///
/// With one input it is self-attention; with two, the first is the query and the
/// second the memory `[N, S, D]` supplying keys and values (cross-attention; `S`
/// may differ from `T`). Projections are separate `[D, D]` matrices named as in
/// the paper: `query`, `key`, `value` and `output` (PyTorch packs the first three
/// into one `in_proj_weight` of `[3D, D]`, in that order).
///
/// FLOPs count the four projections and the two batched products (scores
/// `Q K^T` and the weighted sum of values): `2·N·H·T·S·(D/H)` each.
public struct MultiHeadAttention: Operator {
  public static let schema = OpSchema(
    name: "attention", category: .attention,
    summary: "Multi-head attention over [N, T, D]: self-attention, or cross-attention to a second input.",
    inputs: .between(1, 2),
    attributes: [
      .required("heads", .int(1...65536), "number of attention heads (must divide D)"),
      .default(
        "causal", .bool, .bool(false),
        "mask future steps so step t attends only to steps <= t (self-attention only)"),
      .default(
        "dropout", .float(0...1, exclusiveUpper: true), .float(0),
        "dropout rate on the attention weights during training"),
      .default("bias", .bool, .bool(true), "add learned biases to the four projections"),
    ],
    primary: "heads")

  public let heads: Int
  public let causal: Bool
  public let dropout: Double
  public let bias: Bool

  public init(_ attributes: Attributes) {
    heads = attributes.int("heads")
    causal = attributes.bool("causal")
    dropout = attributes.float("dropout")
    bias = attributes.bool("bias")
  }

  /// The largest head count the divisor hint lists.
  private static let maxSuggestedHeads = 64

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let query = inputs[0]
    try ShapeRules.requireFloat(query)
    try ShapeRules.requireRank(query, 3, layout: "[N, T, D]")
    let width = try ShapeRules.staticSize(query, axis: 2, what: "model width")
    guard width % heads == 0 else {
      let divisors = (1...min(width, Self.maxSuggestedHeads)).filter { width % $0 == 0 }
      throw ShapeError(
        .shapeMismatch,
        "model width D = \(width) cannot be split evenly into \(heads) heads",
        input: 0, attribute: "heads",
        help: "heads must divide \(width): use \(Suggestions.list(divisors.map(String.init)))")
    }
    let memory = inputs.count > 1 ? inputs[1] : query
    if inputs.count > 1 {
      try ShapeRules.requireFloat(memory, input: 1)
      try ShapeRules.requireRank(memory, 3, layout: "[N, S, D]", input: 1)
      guard memory.shape[2] == query.shape[2] else {
        throw ShapeError(
          .shapeMismatch,
          "the memory's width must equal the query's D = \(width), got \(memory.shape.shapeDescription)",
          input: 1,
          help: "project the memory to \(width) features first (e.g. `dense: \(width)`)")
      }
      guard memory.shape[0] == query.shape[0] else {
        throw ShapeError(
          .shapeMismatch,
          "the memory's batch size must equal the query's \(query.shape[0]), got \(memory.shape.shapeDescription)",
          input: 1, help: "query and memory must come from the same batch")
      }
      guard !causal else {
        throw ShapeError(
          .valueOutOfRange, "a causal mask applies to self-attention, not to attention over a memory",
          attribute: "causal",
          help: "remove `causal: true` here (mask the decoder's self-attention instead)")
      }
    }
    _ = try ShapeRules.parameterCount([width, width])
    var parameters: [ParameterSpec] = []
    for name in ["query", "key", "value"] {
      parameters.append(ParameterSpec("\(name).weight", [width, width], .glorot(fanIn: width, fanOut: width)))
      if bias { parameters.append(ParameterSpec("\(name).bias", [width], .zeros)) }
    }
    parameters.append(ParameterSpec("output.weight", [width, width], .fanIn(width)))
    if bias { parameters.append(ParameterSpec("output.bias", [width], .zeros)) }
    let flops = try cost(
      batch: query.shape[0], queries: query.shape[1], keys: memory.shape[1], width: width)
    return Inference(outputs: [query], parameters: parameters, flops: flops)
  }

  /// Projections `2·N·(2T + 2S)·D²` plus scores and weighted sum `2 · 2·N·T·S·D`
  /// (`H · (D/H) = D`).
  private func cost(batch: Dim, queries: Dim, keys: Dim, width: Int) throws(ShapeError) -> Dim {
    let steps = try ShapeRules.add(queries, keys)
    let projections = try ShapeRules.multiply(
      batch, ShapeRules.multiply(steps, Dim(4 * width * width)))
    let products = try ShapeRules.multiply(
      ShapeRules.multiply(batch, ShapeRules.multiply(queries, keys)), Dim(4 * width))
    return try ShapeRules.add(projections, products)
  }
}

extension MultiHeadAttention: ExecutableOperator {
  public static let examples = [
    OpExample(["heads": .int(2)], inputs: [.batch(3, 4)]),
    OpExample(["heads": .int(2), "causal": .bool(true)], inputs: [.batch(4, 4)]),
    OpExample(["heads": .int(2)], inputs: [.batch(3, 4), .batch(5, 4)]),
    OpExample(["heads": .int(4), "bias": .bool(false)], inputs: [.batch(3, 8)]),
    OpExample(["heads": .int(2), "dropout": .float(0.3)], inputs: [.batch(3, 4)]),
  ]

  /// The projections' gradients read the inputs; the output is not needed.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per sample: the projected queries `[T, D]`, keys and values `[S, D]`, the
  /// attention probabilities `[H, T, S]` (before dropout), the context `[T, D]`
  /// (heads side by side, before the output projection) and, with dropout, the
  /// mask `[H, T, S]` (0 or 1 / (1 - rate)).
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let geometry = geometry(shapes)
    let queries = geometry.queries * geometry.width
    let keys = geometry.keys * geometry.width
    return [queries, keys, keys, geometry.scores, queries] + (dropout > 0 ? [geometry.scores] : [])
  }

  /// Forward: the dropped-out probabilities `[H, T, S]`. Backward: the gradients
  /// of the context `[T, D]`, the scores `[H, T, S]`, the queries `[T, D]`, and
  /// the keys and values `[S, D]`.
  public func workspace(_ shapes: OpShapes) -> Int { geometry(shapes).workspace }

  /// The sizes of one call: `T` and `D` from the query, `S` from the memory.
  func geometry(_ shapes: OpShapes) -> AttentionGeometry {
    let queries = shapes.inputs[0][0]
    return AttentionGeometry(
      queries: queries, keys: shapes.inputs.count > 1 ? shapes.inputs[1][0] : queries, width: shapes.inputs[0][1],
      heads: heads, causal: causal)
  }

  /// Parameter index of a projection's weight (0 query, 1 key, 2 value, 3 output);
  /// its bias, if any, follows it.
  private func weightIndex(_ projection: Int) -> Int { bias ? 2 * projection : projection }

  /// The four projections' parameters and, in a backward step, their gradients.
  private func projections(_ k: Kernel) -> AttentionProjections {
    func projection(_ index: Int) -> AttentionProjection {
      let w = weightIndex(index)
      let backward = !k.parameterGradients.isEmpty
      return AttentionProjection(
        weight: k.parameters[w], bias: bias ? UnsafePointer(k.parameters[w + 1]) : nil,
        weightGradient: backward ? k.parameterGradients[w] : nil,
        accumulateWeight: backward && k.accumulateParameter[w],
        biasGradient: backward && bias ? k.parameterGradients[w + 1] : nil,
        accumulateBias: backward && bias && k.accumulateParameter[w + 1])
    }
    return AttentionProjections(query: projection(0), key: projection(1), value: projection(2), output: projection(3))
  }

  private func state(_ k: Kernel) -> AttentionState {
    AttentionState(
      query: k.saved[0], key: k.saved[1], value: k.saved[2], probabilities: k.saved[3], context: k.saved[4],
      mask: dropout > 0 ? k.saved[5] : nil)
  }

  /// Projections, scores, causal mask, softmax, attention dropout (masks drawn
  /// from the step's seed), weighted sum and output projection
  /// (``AttentionGeometry``).
  public func forward(_ k: Kernel) {
    geometry(k.shapes).forward(
      batch: k.batch, input: k.inputs[0], memory: k.inputs.count > 1 ? UnsafePointer(k.inputs[1]) : nil,
      output: k.outputs[0], projections: projections(k), state: state(k), workspace: k.workspace, dropout: dropout,
      training: k.training, seed: k.seed, pool: k.pool)
  }

  /// The forward pass backwards (``AttentionGeometry``); the three input
  /// projections' gradients add up in input 0 (self-attention) or in the memory.
  public func backward(_ k: Kernel) {
    let cross = k.inputs.count > 1
    geometry(k.shapes).backward(
      batch: k.batch, input: k.inputs[0], memory: cross ? UnsafePointer(k.inputs[1]) : nil,
      outputGradient: k.outputGradients[0], projections: projections(k), state: state(k), workspace: k.workspace!,
      inputGradient: k.inputGradients[0], accumulateInput: k.accumulateInput[0],
      memoryGradient: cross ? k.inputGradients[1] : nil, accumulateMemory: cross && k.accumulateInput[1],
      training: k.training, pool: k.pool)
  }
}

extension MultiHeadAttention: EmittableOperator {
  /// `AttentionProjections(...)` for the step: parameters and, in a backward
  /// step, their gradients (nil when frozen).
  private func projectionsLiteral(_ s: StepEmission, backward: Bool) -> String {
    let names = ["query", "key", "value", "output"]
    var parts: [String] = []
    for (index, name) in names.enumerated() {
      let w = weightIndex(index)
      var arguments = "weight: \(s.parameter(w)), bias: \(bias ? s.parameter(w + 1) : "nil")"
      if backward {
        arguments +=
          ", weightGradient: \(s.parameterGradient(w) ?? "nil"), accumulateWeight: \(s.accumulatesParameter(w))"
        if bias {
          arguments +=
            ", biasGradient: \(s.parameterGradient(w + 1) ?? "nil"), accumulateBias: \(s.accumulatesParameter(w + 1))"
        }
      }
      parts.append("  \(name): AttentionProjection(\(arguments))")
    }
    return "AttentionProjections(\n" + parts.joined(separator: ",\n") + ")"
  }

  private func stateLiteral(_ s: StepEmission) -> String {
    "AttentionState(query: \(s.saved(0)), key: \(s.saved(1)), value: \(s.saved(2)), probabilities: \(s.saved(3)), "
      + "context: \(s.saved(4)), mask: \(dropout > 0 ? s.saved(5) : "nil"))"
  }

  private func geometryLiteral(_ s: StepEmission) -> String {
    let g = geometry(s.shapes)
    return
      "AttentionGeometry(queries: \(g.queries), keys: \(g.keys), width: \(g.width), heads: \(g.heads), causal: \(g.causal))"
  }

  /// One call to ``AttentionGeometry/forward(batch:input:memory:output:projections:state:workspace:dropout:training:seed:pool:)``
  /// with the step's seed `SplitMix64.mix(seed, node, forwardPasses)`, as the interpreter draws it.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.line("let projections = \(projectionsLiteral(s, backward: false))")
    code.line("\(geometryLiteral(s)).forward(")
    code.line(
      "  batch: n, input: \(s.input(0)), memory: \(s.shapes.inputs.count > 1 ? s.input(1) : "nil"), output: \(s.output(0)),"
    )
    code.line("  projections: projections, state: \(stateLiteral(s)),")
    code.line(
      "  workspace: \(s.workspace), dropout: \(dropout), training: training, seed: SplitMix64.mix(seed, \(s.step.node), forwardPasses), pool: pool)"
    )
  }

  /// One call to the backward kernel, with the plan's gradient buffers.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let cross = s.shapes.inputs.count > 1
    code.line("let projections = \(projectionsLiteral(s, backward: true))")
    code.line("\(geometryLiteral(s)).backward(")
    code.line(
      "  batch: n, input: \(s.input(0)), memory: \(cross ? s.input(1) : "nil"), outputGradient: \(s.outputGradient(0)),"
    )
    code.line("  projections: projections, state: \(stateLiteral(s)), workspace: \(s.workspace),")
    code.line("  inputGradient: \(s.inputGradient(0) ?? "nil"), accumulateInput: \(s.accumulatesInput(0)),")
    code.line(
      "  memoryGradient: \(cross ? s.inputGradient(1) ?? "nil" : "nil"), accumulateMemory: \(cross && s.accumulatesInput(1)),"
    )
    code.line("  training: training, pool: pool)")
  }
}

extension MultiHeadAttention: TorchExportable {
  /// `nn.MultiheadAttention` packs the query, key and value weights into one
  /// tensor; this module keeps NetSpec's four projections.
  static let torchClass = """
    class Attention(nn.Module):
        \"\"\"Multi-head scaled dot-product attention of x [N, T, D] over itself or a
        memory [N, S, D], with separate query, key, value and output projections.\"\"\"

        def __init__(self, width, heads, bias=True, causal=False, dropout=0.0):
            super().__init__()
            self.query = nn.Linear(width, width, bias=bias)
            self.key = nn.Linear(width, width, bias=bias)
            self.value = nn.Linear(width, width, bias=bias)
            self.output = nn.Linear(width, width, bias=bias)
            self.heads, self.causal, self.dropout = heads, causal, dropout

        def forward(self, x, memory=None):
            memory = x if memory is None else memory
            (n, t, d), s = x.shape, memory.shape[1]
            q = self.query(x).view(n, t, self.heads, -1).transpose(1, 2)
            k = self.key(memory).view(n, s, self.heads, -1).transpose(1, 2)
            v = self.value(memory).view(n, s, self.heads, -1).transpose(1, 2)
            dropout = self.dropout if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=self.causal)
            return self.output(y.transpose(1, 2).reshape(n, t, d))
    """

  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    layer.define("Attention", Self.torchClass)
    var arguments = ["\(layer.size(axis: -1))", "\(heads)"]
    if !bias { arguments.append("bias=False") }
    if causal { arguments.append("causal=True") }
    if dropout > 0 { arguments.append("dropout=\(TorchLayer.number(dropout))") }
    return "Attention(\(arguments.joined(separator: ", ")))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "\(layer.module)(\(layer.inputs.joined(separator: ", ")))"
  }
}

extension MultiHeadAttention: ONNXExportable {
  /// Decomposed: the four projections (`MatMul` with the transposed weights,
  /// `Add`), heads split with `Reshape`/`Transpose`, scores `Q K^T / sqrt(D/H)`,
  /// the causal mask added (-inf above the diagonal: a constant when T is
  /// static, else `Trilu` of a `ConstantOfShape`), `Softmax`, the weighted sum
  /// of values, heads merged and projected. Attention dropout is off at inference.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let query = onnx.inputs[0]
    let memory = onnx.inputs.count > 1 ? onnx.inputs[1] : query
    let width = onnx.inputTypes[0].shape[2].staticValue!
    let headWidth = width / heads
    func projected(_ x: String, _ name: String) -> String {
      let y = onnx.temporary(name)
      onnx.linear(
        x, rank: 3, weight: onnx.parameter("\(name).weight"), bias: bias ? onnx.parameter("\(name).bias") : nil,
        output: y)
      return y
    }
    let split = onnx.int64s("heads_shape", [0, 0, heads, headWidth])
    func splitHeads(_ x: String, _ name: String, perm: [Int]) -> String {
      let (reshaped, transposed) = (onnx.temporary("\(name)_split"), onnx.temporary("\(name)_heads"))
      onnx.add("Reshape", [x, split], [reshaped])
      onnx.add("Transpose", [reshaped], [transposed], [.ints("perm", perm)])
      return transposed
    }
    let q = splitHeads(projected(query, "query"), "query", perm: [0, 2, 1, 3])
    let k = splitHeads(projected(memory, "key"), "key", perm: [0, 2, 3, 1])
    let v = splitHeads(projected(memory, "value"), "value", perm: [0, 2, 1, 3])
    let (products, scores) = (onnx.temporary("products"), onnx.temporary("scores"))
    onnx.add("MatMul", [q, k], [products])
    onnx.add("Mul", [products, onnx.scalar("scale", 1 / Float(headWidth).squareRoot())], [scores])
    var logits = scores
    if causal {
      logits = onnx.temporary("masked_scores")
      onnx.add("Add", [scores, causalMask(onnx, query)], [logits])
    }
    let (weights, context, merged, joined) = (
      onnx.temporary("weights"), onnx.temporary("context"), onnx.temporary("context_steps"),
      onnx.temporary("context_joined")
    )
    onnx.add("Softmax", [logits], [weights], [.int("axis", -1)])
    onnx.add("MatMul", [weights, v], [context])
    onnx.add("Transpose", [context], [merged], [.ints("perm", [0, 2, 1, 3])])
    onnx.add("Reshape", [merged, onnx.int64s("merged_shape", [0, 0, width])], [joined])
    onnx.linear(
      joined, rank: 3, weight: onnx.parameter("output.weight"), bias: bias ? onnx.parameter("output.bias") : nil,
      output: onnx.outputs[0])
  }

  /// `[T, T]`: 0 on and below the diagonal, -inf above.
  private func causalMask(_ onnx: ONNXNodeContext, _ query: String) -> String {
    if let steps = onnx.inputTypes[0].shape[1].staticValue {
      let values = (0..<(steps * steps)).map { $0 % steps > $0 / steps ? -Float.infinity : 0 }
      return onnx.constant("causal_mask", values, shape: [steps, steps])
    }
    let steps = onnx.dimension(query, axis: 1)
    let (shape, filled, mask) = (
      onnx.temporary("mask_shape"), onnx.temporary("mask_filled"), onnx.temporary("causal_mask")
    )
    onnx.add("Concat", [steps, steps], [shape], [.int("axis", 0)])
    onnx.add(
      "ConstantOfShape", [shape], [filled],
      [.tensor("value", ONNXTensorEncoding.tensor("", floats: [-Float.infinity], shape: [1]))])
    onnx.add(
      "Trilu", [filled, onnx.builder.constant("\(onnx.name)/diagonal_offset", int64s: [1], shape: [])], [mask],
      [.int("upper", 1)])
    return mask
  }
}
