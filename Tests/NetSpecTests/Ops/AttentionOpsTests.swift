import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")
private let s = Dim.symbol("S")

@Suite struct AttentionOpsTests {
  private static func attention(_ given: [String: SpecValue.Kind]) -> MultiHeadAttention {
    MultiHeadAttention(Attributes(MultiHeadAttention.schema, given))
  }

  @Test func defaultsAndSchema() {
    let op = Self.attention(["heads": .int(8)])
    #expect((op.heads, op.causal, op.dropout, op.bias) == (8, false, 0, true))
    #expect(MultiHeadAttention.schema.name == "attention")
    #expect(MultiHeadAttention.schema.primary == "heads")
    #expect(MultiHeadAttention.schema.inputs == .between(1, 3))
    #expect((op.paddingMask, op.rotary, op.rotaryBase) == (false, false, 10000))
    #expect(OpRegistry.op(named: "attention") == MultiHeadAttention.self)
  }

  /// The mask is the last input, `[N, S]` for self- or cross-attention; a third
  /// input without `padding_mask`, a mask of the wrong length and an odd rotary
  /// head width are errors.
  @Test func paddingMaskAndRotaryShapes() throws {
    let masked = Self.attention(["heads": .int(2), "padding_mask": .bool(true)])
    let (x, memory) = (TensorType([n, t, Dim(8)]), TensorType([n, s, Dim(8)]))
    #expect(try masked.infer([x, TensorType([n, t])]).outputs == [x])
    #expect(try masked.infer([x, memory, TensorType([n, s])]).outputs == [x])
    #expect(throws: ShapeError.self) { try masked.infer([x, memory, TensorType([n, t])]) }
    #expect(throws: ShapeError.self) { try masked.infer([x]) }
    #expect(throws: ShapeError.self) {
      try Self.attention(["heads": .int(2)]).infer([x, memory, TensorType([n, s])])
    }
    #expect(throws: ShapeError.self) {
      try Self.attention(["heads": .int(8), "rotary": .bool(true)]).infer([x])
    }
  }

  @Test(arguments: [
    [TensorType([n, t, Dim(512)])],
    [TensorType([n, t, Dim(512)]), TensorType([n, s, Dim(512)])],
    [TensorType([Dim(2), Dim(7), Dim(512)]), TensorType([Dim(2), Dim(9), Dim(512)])],
  ])
  func outputHasTheQueryShape(inputs: [TensorType]) throws {
    let inference = try Self.attention(["heads": .int(8)]).infer(inputs)
    #expect(inference.outputs == [inputs[0]])
  }

  @Test(arguments: [(true, 4 * 512 * 512 + 4 * 512), (false, 4 * 512 * 512)])
  func parametersAreFourProjections(bias: Bool, count: Int) throws {
    let op = Self.attention(["heads": .int(8), "bias": .bool(bias)])
    let parameters = try op.infer([TensorType([n, t, Dim(512)])]).parameters
    #expect(parameters.map(\.count).reduce(0, +) == count)
    let weights = ["query", "key", "value", "output"].map { "\($0).weight" }
    let biases = ["query", "key", "value", "output"].map { "\($0).bias" }
    #expect(Set(parameters.map(\.name)) == Set(bias ? weights + biases : weights))
    for parameter in parameters {
      #expect(parameter.shape == (parameter.name.hasSuffix("weight") ? [512, 512] : [512]))
    }
  }

  @Test func initializationMatchesPyTorch() throws {
    let parameters = try Self.attention(["heads": .int(8)]).infer([TensorType([n, t, Dim(512)])])
      .parameters
    let byName = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.initializer) })
    #expect(byName["query.weight"] == .glorot(fanIn: 512, fanOut: 512))
    #expect(byName["value.bias"] == .zeros)
    #expect(byName["output.weight"] == .fanIn(512))
    #expect(byName["output.bias"] == .zeros)
    #expect(parameters.map(\.name).prefix(2) == ["query.weight", "query.bias"])
  }

  @Test func selfAttentionFlopsAreSymbolicInBatchAndLength() throws {
    let d = 64
    let inference = try Self.attention(["heads": .int(4)]).infer([TensorType([n, t, Dim(d)])])
    // Projections 2·N·T·D² each (four of them), scores and weighted sum 2·N·T·T·D each.
    let nt = n.multiplied(by: t)!
    let expected = nt.scaled(8 * d * d)!.adding(nt.multiplied(by: t)!.scaled(4 * d)!)
    #expect(inference.flops == expected)
    #expect(inference.flops.evaluate(["N": 2, "T": 10]) == 2 * 10 * 8 * d * d + 2 * 100 * 4 * d)
  }

  @Test func crossAttentionFlopsUseBothLengths() throws {
    let inference = try Self.attention(["heads": .int(2)])
      .infer([TensorType([Dim(3), Dim(5), Dim(8)]), TensorType([Dim(3), Dim(7), Dim(8)])])
    // Q, O over 5 steps and K, V over 7: 2·3·(5+5+7+7)·64; products 2·(2·3·2·5·7·4).
    #expect(inference.flops == Dim(2 * 3 * 24 * 64 + 2 * 2 * 3 * 2 * 5 * 7 * 4))
  }

  private static func call(heads: Int, causal: Bool = false, _ inputs: TensorType...) -> OpCall {
    var call = OpCall(MultiHeadAttention.self, ["heads": .int(heads)])
    if causal { call.attributes["causal"] = .bool(true) }
    call.inputs = inputs
    return call
  }

  @Test(arguments: [
    ShapeErrorCase(
      call(heads: 2, TensorType([n, t], .int32)), .shapeMismatch, input: 0,
      mentions: ["float32", "int32 [N, T]"], help: "go through `embedding` first"),
    ShapeErrorCase(
      call(heads: 2, TensorType([n, Dim(64)])), .rankMismatch, input: 0,
      mentions: ["rank-3", "[N, T, D]", "[N, 64]"]),
    ShapeErrorCase(
      call(heads: 2, TensorType([n, t, Dim.symbol("D")])), .symbolicDimension, input: 0,
      mentions: ["model width", "`D`"]),
    ShapeErrorCase(
      call(heads: 7, TensorType([n, t, Dim(512)])), .shapeMismatch, input: 0, attribute: "heads",
      mentions: ["D = 512", "7 heads"],
      help: "heads must divide 512: use `1`, `2`, `4`, `8`, `16`, `32` or `64`"),
    ShapeErrorCase(
      call(heads: 5, TensorType([n, t, Dim(12)])), .shapeMismatch, input: 0, attribute: "heads",
      mentions: ["D = 12", "5 heads"],
      help: "heads must divide 12: use `1`, `2`, `3`, `4`, `6` or `12`"),
    ShapeErrorCase(
      call(heads: 2, TensorType([n, t, Dim(8)]), TensorType([n, s], .int32)), .shapeMismatch,
      input: 1, mentions: ["float32", "int32 [N, S]"], help: "go through `embedding` first"),
    ShapeErrorCase(
      call(heads: 2, TensorType([n, t, Dim(8)]), TensorType([n, Dim(8)])), .rankMismatch,
      input: 1, mentions: ["rank-3", "[N, S, D]", "[N, 8]"]),
    ShapeErrorCase(
      call(heads: 2, TensorType([n, t, Dim(8)]), TensorType([n, s, Dim(6)])), .shapeMismatch,
      input: 1, mentions: ["query's D = 8", "[N, S, 6]"],
      help: "project the memory to 8 features first (e.g. `dense: 8`)"),
    ShapeErrorCase(
      call(heads: 2, TensorType([n, t, Dim(8)]), TensorType([Dim.symbol("M"), s, Dim(8)])),
      .shapeMismatch, input: 1, mentions: ["batch size", "query's N", "[M, S, 8]"],
      help: "query and memory must come from the same batch"),
    ShapeErrorCase(
      call(heads: 2, causal: true, TensorType([n, t, Dim(8)]), TensorType([n, s, Dim(8)])),
      .valueOutOfRange, attribute: "causal", mentions: ["causal mask", "self-attention"],
      help: "remove `causal: true` here"),
    ShapeErrorCase(
      call(heads: 1, TensorType([n, t, Dim(1 << 27)])), .dimensionOverflow,
      mentions: ["[134217728, 134217728]", "too large"]),
    ShapeErrorCase(
      call(heads: 1, TensorType([n, t, Dim(1 << 26)])), .dimensionOverflow,
      mentions: ["overflows"]),
  ])
  func errors(_ c: ShapeErrorCase) {
    expectShapeError(c)
  }

  @Test func causalSelfAttentionIsAccepted() throws {
    let op = Self.attention(["heads": .int(2), "causal": .bool(true), "dropout": .float(0.1)])
    #expect(op.causal && op.dropout == 0.1)
    _ = try op.infer([TensorType([n, t, Dim(8)])])
  }
}
