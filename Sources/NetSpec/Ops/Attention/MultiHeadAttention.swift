import Foundation
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
/// With `padding_mask: true`, the last input is a key-padding mask `[N, S]`
/// (BERT's `attention_mask`: 1 keeps a key, 0 marks padding), e.g.
/// `from: [x, attention_mask]`: masked keys get no weight (their scores are
/// -inf before the softmax). It combines with `causal`. A query whose keys are
/// all masked gets all-zero weights, so its context is 0 and its output the
/// output projection's bias (PyTorch's softmax would give NaN there). The mask
/// gets no gradient.
///
/// With `rotary: true`, queries and keys are rotated by their positions after
/// their projections (rotary position embeddings, ``RotaryEmbedding``: Hugging
/// Face LLaMA's `rotate_half` pairing, base `rotary_base`).
///
/// FLOPs count the four projections and the two batched products (scores
/// `Q K^T` and the weighted sum of values): `2·N·H·T·S·(D/H)` each.
public struct MultiHeadAttention: Operator {
  public static let schema = OpSchema(
    name: "attention", category: .attention,
    summary: "Multi-head attention over [N, T, D]: self-attention, or cross-attention to a second input.",
    inputs: .between(1, 3),
    attributes: [
      .required("heads", .int(1...65536), "number of attention heads (must divide D)"),
      .default(
        "causal", .bool, .bool(false),
        "mask future steps so step t attends only to steps <= t (self-attention only)"),
      .default(
        "dropout", .float(0...1, exclusiveUpper: true), .float(0),
        "dropout rate on the attention weights during training"),
      .default("bias", .bool, .bool(true), "add learned biases to the four projections"),
      .default(
        "padding_mask", .bool, .bool(false),
        "the last input is a key-padding mask [N, S]: 1 keeps a key, 0 masks it (BERT's attention_mask)"),
      .default(
        "rotary", .bool, .bool(false),
        "rotate queries and keys by position (RoPE, Hugging Face LLaMA's rotate_half pairing)"),
      .default("rotary_base", .float(1...1e12), .float(10000), "base of the rotary frequencies"),
    ],
    primary: "heads")

  public let heads: Int
  public let causal: Bool
  public let dropout: Double
  public let bias: Bool
  public let paddingMask: Bool
  public let rotary: Bool
  public let rotaryBase: Double

  public init(_ attributes: Attributes) {
    heads = attributes.int("heads")
    causal = attributes.bool("causal")
    dropout = attributes.float("dropout")
    bias = attributes.bool("bias")
    paddingMask = attributes.bool("padding_mask")
    rotary = attributes.bool("rotary")
    rotaryBase = attributes.float("rotary_base")
  }

  /// Whether `inputs` input tensors hold a memory (cross-attention).
  func hasMemory(_ inputs: Int) -> Bool { inputs - (paddingMask ? 1 : 0) > 1 }

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
    if rotary, (width / heads) % 2 != 0 {
      throw ShapeError(
        .shapeMismatch, "rotary embeddings rotate pairs of columns, but each head has \(width / heads) columns",
        input: 0, attribute: "rotary", help: "use a head width D / heads that is even")
    }
    guard inputs.count <= (paddingMask ? 3 : 2) else {
      throw ShapeError(
        .valueOutOfRange, "\(inputs.count) inputs are the query, a memory and a mask, but there is no mask",
        input: 2, help: "set `padding_mask: true` if the last input is a key-padding mask")
    }
    let cross = hasMemory(inputs.count)
    let memory = cross ? inputs[1] : query
    if paddingMask {
      try requireMask(inputs, memory: memory)
    }
    if cross {
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

  /// The last input is a float `[N, S]` mask for a memory (or the query) `[N, S, D]`.
  private func requireMask(_ inputs: [TensorType], memory: TensorType) throws(ShapeError) {
    let index = inputs.count - 1
    guard index > 0 else {
      throw ShapeError(
        .wrongInputCount, "`padding_mask: true` needs the mask as the last input", attribute: "padding_mask",
        help: "list it after the query: `from: [x, attention_mask]`")
    }
    let mask = inputs[index]
    try ShapeRules.requireFloat(mask, input: index)
    guard mask.shape == [memory.shape[0], memory.shape[1]] else {
      throw ShapeError(
        .shapeMismatch,
        "the padding mask must be [N, S] = \([memory.shape[0], memory.shape[1]].shapeDescription) for the keys "
          + "\(memory.shape.shapeDescription), got \(mask.shape.shapeDescription)",
        input: index, help: "the mask has one entry per key step: 1 to keep it, 0 for padding")
    }
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
    OpExample(["heads": .int(2), "padding_mask": .bool(true)], inputs: [.batch(3, 4), .batch(3)], maskInput: 1),
    OpExample(
      ["heads": .int(2), "padding_mask": .bool(true), "causal": .bool(true)], inputs: [.batch(4, 4), .batch(4)],
      maskInput: 1),
    OpExample(
      ["heads": .int(1), "padding_mask": .bool(true)], inputs: [.batch(2, 4), .batch(3, 4), .batch(3)], maskInput: 2),
    OpExample(["heads": .int(2), "rotary": .bool(true)], inputs: [.batch(3, 8)]),
    OpExample(["heads": .int(1), "rotary": .bool(true), "causal": .bool(true)], inputs: [.batch(4, 4)]),
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
      queries: queries, keys: hasMemory(shapes.inputs.count) ? shapes.inputs[1][0] : queries,
      width: shapes.inputs[0][1], heads: heads, causal: causal, rotaryBase: rotary ? rotaryBase : nil)
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
      batch: k.batch, input: k.inputs[0], memory: hasMemory(k.inputs.count) ? UnsafePointer(k.inputs[1]) : nil,
      keyMask: paddingMask ? UnsafePointer(k.inputs[k.inputs.count - 1]) : nil, output: k.outputs[0],
      projections: projections(k), state: state(k), workspace: k.workspace, dropout: dropout,
      training: k.training, seed: k.seed, pool: k.pool)
  }

  /// The forward pass backwards (``AttentionGeometry``); the three input
  /// projections' gradients add up in input 0 (self-attention) or in the memory;
  /// the mask's gradient is 0.
  public func backward(_ k: Kernel) {
    let cross = hasMemory(k.inputs.count)
    let last = k.inputs.count - 1
    if paddingMask, let dMask = k.inputGradients[last], !k.accumulateInput[last] {
      CopyKernel.fill(dMask, value: 0, count: k.batch * k.shapes.inputCount(last))
    }
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
    let rotary = g.rotaryBase.map { ", rotaryBase: \($0)" } ?? ""
    return
      "AttentionGeometry(queries: \(g.queries), keys: \(g.keys), width: \(g.width), heads: \(g.heads), causal: \(g.causal)\(rotary))"
  }

  /// One call to ``AttentionGeometry/forward(batch:input:memory:output:projections:state:workspace:dropout:training:seed:pool:)``
  /// with the step's seed `SplitMix64.mix(seed, node, forwardPasses)`, as the interpreter draws it.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    code.line("let projections = \(projectionsLiteral(s, backward: false))")
    code.line("\(geometryLiteral(s)).forward(")
    let mask = paddingMask ? s.input(s.shapes.inputs.count - 1) : "nil"
    code.line(
      "  batch: n, input: \(s.input(0)), memory: \(hasMemory(s.shapes.inputs.count) ? s.input(1) : "nil"), keyMask: \(mask),"
    )
    code.line("  output: \(s.output(0)),")
    code.line("  projections: projections, state: \(stateLiteral(s)),")
    code.line(
      "  workspace: \(s.workspace), dropout: \(dropout), training: training, seed: SplitMix64.mix(seed, \(s.step.node), forwardPasses), pool: pool)"
    )
  }

  /// One call to the backward kernel, with the plan's gradient buffers.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let cross = hasMemory(s.shapes.inputs.count)
    let last = s.shapes.inputs.count - 1
    if paddingMask, let dMask = s.inputGradient(last), !s.accumulatesInput(last) {
      code.call(
        "CopyKernel.fill", ["": dMask, "value": "0", "count": StepEmission.rows(s.shapes.inputCount(last))])
    }
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
        memory [N, S, D], with separate query, key, value and output projections,
        an optional key-padding mask [N, S] (0 masks a key; a query with every key
        masked gets zero weights) and rotary embeddings (rotate_half pairing).\"\"\"

        def __init__(self, width, heads, bias=True, causal=False, dropout=0.0, rotary_base=None):
            super().__init__()
            self.query = nn.Linear(width, width, bias=bias)
            self.key = nn.Linear(width, width, bias=bias)
            self.value = nn.Linear(width, width, bias=bias)
            self.output = nn.Linear(width, width, bias=bias)
            self.heads, self.causal, self.dropout = heads, causal, dropout
            self.rotary_base = rotary_base

        def rotate(self, x):
            steps, width = x.shape[-2], x.shape[-1]
            frequencies = self.rotary_base ** (-torch.arange(0, width, 2, dtype=torch.float64) / width)
            angles = torch.arange(steps, dtype=torch.float64)[:, None] * frequencies
            angles = torch.cat([angles, angles], -1)
            cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
            first, second = x[..., : width // 2], x[..., width // 2 :]
            return x * cos + torch.cat([-second, first], -1) * sin

        def forward(self, x, memory=None, mask=None):
            memory = x if memory is None else memory
            (n, t, d), s = x.shape, memory.shape[1]
            q = self.query(x).view(n, t, self.heads, -1).transpose(1, 2)
            k = self.key(memory).view(n, s, self.heads, -1).transpose(1, 2)
            v = self.value(memory).view(n, s, self.heads, -1).transpose(1, 2)
            if self.rotary_base is not None:
                q, k = self.rotate(q), self.rotate(k)
            dropout = self.dropout if self.training else 0.0
            if mask is None:
                y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=self.causal)
            else:
                keep = (mask != 0)[:, None, None, :]
                if self.causal:
                    keep = keep & torch.ones(t, s, dtype=torch.bool, device=x.device).tril()
                scores = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5
                weights = torch.softmax(scores.masked_fill(~keep, float("-inf")), -1).nan_to_num(0.0)
                y = F.dropout(weights, dropout) @ v
            return self.output(y.transpose(1, 2).reshape(n, t, d))
    """

  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? {
    layer.define("Attention", Self.torchClass)
    var arguments = ["\(layer.size(axis: -1))", "\(heads)"]
    if !bias { arguments.append("bias=False") }
    if causal { arguments.append("causal=True") }
    if dropout > 0 { arguments.append("dropout=\(TorchLayer.number(dropout))") }
    if rotary { arguments.append("rotary_base=\(TorchLayer.number(rotaryBase))") }
    return "Attention(\(arguments.joined(separator: ", ")))"
  }

  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    guard paddingMask else { return "\(layer.module)(\(layer.inputs.joined(separator: ", ")))" }
    let memory = hasMemory(layer.inputs.count) ? layer.inputs[1] : "None"
    return "\(layer.module)(\(layer.inputs[0]), \(memory), \(layer.inputs[layer.inputs.count - 1]))"
  }

  /// Why a class of model.py's and not `nn.MultiheadAttention`.
  public static var torchEquivalent: String {
    TorchEquivalent.describe(Self.self)
      + ": `nn.MultiheadAttention` with separate query, key and value weights (it packs "
      + "them into one); a query whose keys are all masked gets zero weights, where PyTorch gives NaN"
  }
}

extension MultiHeadAttention: ONNXExportable {
  /// Decomposed: the four projections (`MatMul` with the transposed weights,
  /// `Add`), heads split with `Reshape`/`Transpose`, scores `Q K^T / sqrt(D/H)`,
  /// the causal mask added (-inf above the diagonal: a constant when T is
  /// static, else `Trilu` of a `ConstantOfShape`), `Softmax`, the weighted sum
  /// of values, heads merged and projected. Attention dropout is off at inference.
  /// Rotary embeddings multiply the heads by cosine and sine tables (the
  /// `rotary` op's export, constants for static steps); a padding mask adds
  /// -1e30 to masked keys' scores and zeroes their weights after the softmax
  /// (so a fully masked query gets 0).
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported) {
    let query = onnx.inputs[0]
    let cross = hasMemory(onnx.inputs.count)
    let memory = cross ? onnx.inputs[1] : query
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
    var q = splitHeads(projected(query, "query"), "query", perm: [0, 2, 1, 3])
    var k = splitHeads(projected(memory, "key"), "key", perm: [0, 2, 1, 3])
    let v = splitHeads(projected(memory, "value"), "value", perm: [0, 2, 1, 3])
    if rotary {
      q = Rotary.exportRotation(
        onnx, q, steps: onnx.inputTypes[0].shape[1], positionAxis: 2, headWidth: headWidth, splitHeads: false,
        base: rotaryBase, "query")
      k = Rotary.exportRotation(
        onnx, k, steps: onnx.inputTypes[cross ? 1 : 0].shape[1], positionAxis: 2, headWidth: headWidth,
        splitHeads: false, base: rotaryBase, "key")
    }
    let keysTransposed = onnx.temporary("key_transposed")
    onnx.add("Transpose", [k], [keysTransposed], [.ints("perm", [0, 1, 3, 2])])
    let (products, scores) = (onnx.temporary("products"), onnx.temporary("scores"))
    onnx.add("MatMul", [q, keysTransposed], [products])
    onnx.add("Mul", [products, onnx.scalar("scale", 1 / Float(headWidth).squareRoot())], [scores])
    var logits = scores
    if causal {
      logits = onnx.temporary("masked_scores")
      onnx.add("Add", [scores, causalMask(onnx, query)], [logits])
    }
    var keep: String? = nil
    if paddingMask {
      let (kept, bias, masked) = (onnx.temporary("keep"), onnx.temporary("mask_bias"), onnx.temporary("padded_scores"))
      let (isKept, keptFloat) = (onnx.temporary("is_kept"), onnx.temporary("kept"))
      let zero = onnx.scalar("zero", 0)
      onnx.add("Equal", [onnx.inputs[onnx.inputs.count - 1], zero], [isKept])
      onnx.add("Not", [isKept], [kept])
      onnx.add("Cast", [kept], [keptFloat], [.int("to", 1)])
      let keepShape = onnx.temporary("keep_heads")
      onnx.add("Unsqueeze", [keptFloat, onnx.int64s("mask_axes", [1, 2])], [keepShape])
      onnx.add("Where", [isKept, onnx.scalar("masked", -1e30), zero], [bias])
      let biasHeads = onnx.temporary("mask_bias_heads")
      onnx.add("Unsqueeze", [bias, onnx.int64s("bias_axes", [1, 2])], [biasHeads])
      onnx.add("Add", [logits, biasHeads], [masked])
      logits = masked
      keep = keepShape
    }
    let (weights, context, merged, joined) = (
      onnx.temporary("weights"), onnx.temporary("context"), onnx.temporary("context_steps"),
      onnx.temporary("context_joined")
    )
    var probabilities = weights
    onnx.add("Softmax", [logits], [weights], [.int("axis", -1)])
    if let keep {
      probabilities = onnx.temporary("kept_weights")
      onnx.add("Mul", [weights, keep], [probabilities])
    }
    onnx.add("MatMul", [probabilities, v], [context])
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
