import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

@Suite struct EmbeddingOpsTests {
  private static func embedding(_ given: [String: SpecValue.Kind]) -> Embedding {
    Embedding(Attributes(Embedding.schema, given))
  }

  private static func encoding(_ given: [String: SpecValue.Kind]) -> PositionalEncoding {
    PositionalEncoding(Attributes(PositionalEncoding.schema, given))
  }

  @Test(arguments: [
    ([n], [n, Dim(16)]),
    ([n, t], [n, t, Dim(16)]),
    ([n, Dim(4), t], [n, Dim(4), t, Dim(16)]),
  ])
  func embeddingAppendsTheVectorAxis(input: Shape, output: Shape) throws {
    let op = Self.embedding(["vocab": .int(100), "dim": .int(16)])
    let inference = try op.infer([TensorType(input, .int32)])
    #expect(inference.outputs == [TensorType(output)])
    #expect(inference.parameters == [ParameterSpec("weight", [100, 16], .normal(std: 1))])
    #expect(inference.parameters.map(\.count).reduce(0, +) == 1600)
    #expect(inference.flops == 0)
  }

  @Test func embeddingScaleCostsOneMultiplyPerElement() throws {
    let op = Self.embedding(["vocab": .int(100), "dim": .int(16), "scale": .bool(true)])
    #expect(op.scale)
    let inference = try op.infer([TensorType([n, t], .int32)])
    #expect(inference.flops == n.multiplied(by: t)?.scaled(16))
    // Scaled vectors start with unit variance: std 1/sqrt(dim), as fairseq's Transformer.
    #expect(inference.parameters == [ParameterSpec("weight", [100, 16], .normal(std: 0.25))])
  }

  @Test func embeddingDefaults() {
    let op = Self.embedding(["vocab": .int(10), "dim": .int(4)])
    #expect((op.vocab, op.dim, op.scale) == (10, 4, false))
    #expect(Embedding.schema.category == .embedding)
  }

  @Test(arguments: [
    [n, t, Dim(512)],
    [Dim(32), Dim(5000), Dim(64)],
  ])
  func sinusoidalEncodingKeepsTheShapeWithoutParameters(shape: Shape) throws {
    let inference = try Self.encoding([:]).infer([TensorType(shape)])
    #expect(inference.outputs == [TensorType(shape)])
    #expect(inference.parameters.isEmpty)
    #expect(inference.flops == shape.elementCount)
  }

  @Test func learnedEncodingOwnsAMaxLengthTable() throws {
    let op = Self.encoding(["kind": .string("learned"), "max_length": .int(1024)])
    #expect(op.kind == .learned && op.maxLength == 1024)
    let inference = try op.infer([TensorType([n, t, Dim(768)])])
    #expect(inference.outputs == [TensorType([n, t, Dim(768)])])
    #expect(inference.parameters == [ParameterSpec("weight", [1024, 768], .normal(std: 0.02))])
  }

  @Test func encodingDefaultsAndBounds() throws {
    let op = Self.encoding([:])
    #expect(op.kind == .sinusoidal && op.maxLength == 5000)
    #expect(PositionalEncoding.schema.primary == "kind")
    // Exactly max_length steps fit; odd widths are fine for a learned table.
    _ = try op.infer([TensorType([n, Dim(5000), Dim(8)])])
    _ = try Self.encoding(["kind": .string("learned")]).infer([TensorType([n, t, Dim(7)])])
  }

  private static let table: [String: SpecValue.Kind] = ["vocab": .int(100), "dim": .int(16)]

  @Test(arguments: [
    ShapeErrorCase(
      OpCall(Embedding.self, table, TensorType([n, t])), .shapeMismatch, input: 0,
      mentions: ["int32 token ids", "float32 [N, T]"],
      help: "token ids must be integers; declare the input with `dtype: int32`"),
    ShapeErrorCase(
      OpCall(Embedding.self, table, TensorType([], .int32)), .rankMismatch, input: 0,
      mentions: ["rank >= 1", "[N, ...]", "got []"]),
    ShapeErrorCase(
      OpCall(Embedding.self, ["vocab": .int(1 << 30), "dim": .int(1 << 30)], TensorType([n], .int32)),
      .dimensionOverflow, mentions: ["[1073741824, 1073741824]", "too large"]),
    ShapeErrorCase(
      OpCall(PositionalEncoding.self, [:], TensorType([n, t], .int32)), .shapeMismatch, input: 0,
      mentions: ["float32", "int32 [N, T]"], help: "go through `embedding` first"),
    ShapeErrorCase(
      OpCall(PositionalEncoding.self, [:], TensorType([n, Dim(64)])), .rankMismatch, input: 0,
      mentions: ["rank-3", "[N, T, D]", "rank 2 [N, 64]"]),
    ShapeErrorCase(
      OpCall(PositionalEncoding.self, [:], TensorType([n, t, Dim.symbol("D")])),
      .symbolicDimension, input: 0, mentions: ["model width", "`D`"]),
    ShapeErrorCase(
      OpCall(PositionalEncoding.self, [:], TensorType([n, t, Dim(65)])), .shapeMismatch, input: 0,
      mentions: ["even model width", "D = 65", "[N, T, 65]"],
      help: "use an even width such as 66, or `kind: learned`"),
    ShapeErrorCase(
      OpCall(PositionalEncoding.self, ["max_length": .int(512)], TensorType([n, Dim(600), Dim(64)])),
      .valueOutOfRange, input: 0, attribute: "max_length",
      mentions: ["600 steps", "max_length is 512"],
      help: "set `max_length: 600` or more, or shorten the sequence"),
    ShapeErrorCase(
      OpCall(
        PositionalEncoding.self, ["kind": .string("learned"), "max_length": .int(1 << 40)],
        TensorType([n, t, Dim(1 << 20)])),
      .dimensionOverflow, mentions: ["[1099511627776, 1048576]", "too large"]),
  ])
  func errors(_ c: ShapeErrorCase) {
    expectShapeError(c)
  }
}
