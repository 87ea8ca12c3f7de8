import NetSpecDiagnostics
import NetSpecYAML
import Testing

@testable import NetSpec

private func expect(_ yaml: String, variables: [String: SpecValue.Kind] = [:]) throws -> DecodedSection<ExpectSpec> {
  try decodeSection("expect", yaml, variables: variables, ExpectSpec.decode)
}

@Suite("expect: section")
struct ExpectSpecTests {
  /// The `expect:` section of the sketch in DESIGN.md.
  @Test func designSketch() throws {
    let decoded = try expect(
      """
      expect:                        # checked by `netspec check`: architecture tests for CI
        params: 61706
        outputs: {logits: [N, 10]}
      """)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    #expect(spec.params?.value == 61706)
    #expect("\(try #require(spec.params?.span.start))" == "2:11")
    #expect(spec.flops == nil)
    let output = try #require(spec.outputs.first)
    #expect(spec.outputs.count == 1)
    #expect(output.name.name == "logits")
    #expect("\(output.name.span.start)" == "3:13")
    #expect(output.shape == [.symbol("N"), 10])
    #expect(output.dimSpans.map { "\($0.start)" } == ["3:22", "3:25"])
    #expect("\(output.span.start)" == "3:21")
  }

  @Test func everyKey() throws {
    let decoded = try expect(
      """
      expect:
        params: 0
        flops: $flops
        outputs:
          logits: [N, $classes]
          hidden: [N, T, 64]
        layers:
          lstm: {params: 3768320, output: [N, 512], flops: 99}
          conv1: {params: 156}
      """, variables: ["classes": .int(10), "flops": .int(1234)])
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    #expect(spec.params?.value == 0)
    #expect(spec.flops?.value == 1234)
    #expect(spec.outputs.map(\.name.name) == ["logits", "hidden"])
    #expect(spec.outputs.map(\.shape) == [[.symbol("N"), 10], [.symbol("N"), .symbol("T"), 64]])
    #expect(spec.layers.map(\.name.name) == ["lstm", "conv1"])
    let lstm = try #require(spec.layers.first)
    #expect(lstm.params?.value == 3_768_320)
    #expect(lstm.flops?.value == 99)
    #expect(lstm.output?.name == lstm.name)
    #expect(lstm.output?.shape == [.symbol("N"), 512])
    #expect(lstm.output.map { "\($0.span.start)" } == "8:37")
    #expect(spec.layers[1].params?.value == 156)
    #expect(spec.layers[1].output == nil && spec.layers[1].flops == nil)
  }

  @Test func emptySection() throws {
    let decoded = try expect("expect:")
    #expect(decoded.diagnostics.isEmpty)
    let spec = try #require(decoded.value)
    #expect(spec.params == nil && spec.flops == nil && spec.outputs.isEmpty)
  }

  @Test(arguments: [
    SectionErrorCase("expect: {param: 10}", .unknownKey, at: "param", "did you mean `params`?"),
    SectionErrorCase("expect: [10]", .typeMismatch, at: "[10]", "must be a mapping"),
    SectionErrorCase("expect: {params: -1}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase("expect: {params: 1.5}", .typeMismatch, at: "1.5", "whole number"),
    SectionErrorCase("expect: {params: many}", .typeMismatch, at: "many", "whole number"),
    SectionErrorCase("expect: {flops: -5}", .valueOutOfRange, at: "-5", ">= 0"),
    SectionErrorCase("expect: {outputs: [N, 10]}", .typeMismatch, at: "[N, 10]", "outputs: {logits: [N, 10]}"),
    SectionErrorCase("expect: {outputs: {logits: 10}}", .badShape, at: "10", "must be a list"),
    SectionErrorCase("expect: {outputs: {logits: [N, 0]}}", .badShape, at: "0", "positive integers"),
    SectionErrorCase("expect: {outputs: {logits: [N, -3]}}", .badShape, at: "-3", "positive integers"),
    SectionErrorCase("expect: {outputs: {logits: [N, 2.5]}}", .badShape, at: "2.5", "positive integers"),
    SectionErrorCase("expect: {outputs: {logits: [N, [10]]}}", .badShape, at: "[10]", "positive integers"),
    SectionErrorCase("expect: {outputs: {logits: [N, true]}}", .badShape, at: "true", "positive integers"),
    SectionErrorCase("expect: {layers: [lstm]}", .typeMismatch, at: "[lstm]", "layers: {conv1: {params: 156"),
    SectionErrorCase("expect: {layers: {lstm: 5}}", .typeMismatch, at: "5", "must be a mapping"),
    SectionErrorCase("expect: {layers: {lstm: {}}}", .missingKey, at: "{}", "`params`, `flops` or `output`"),
    SectionErrorCase("expect: {layers: {lstm: {param: 5}}}", .unknownKey, at: "param", "did you mean `params`?"),
    SectionErrorCase("expect: {layers: {lstm: {output: [N, 0]}}}", .badShape, at: "0", "positive integers"),
    SectionErrorCase("expect: {layers: {lstm: {params: -1}}}", .valueOutOfRange, at: "-1", ">= 0"),
  ])
  func errors(_ error: SectionErrorCase) throws {
    error.check(try expect(error.yaml))
  }

  @Test func reportsEveryBadEntry() throws {
    let decoded = try expect("expect: {params: -1, outputs: {a: [0, N], b: [N, 10], c: [N, x y]}}")
    #expect(decoded.summary == ["value-out-of-range 1:18", "bad-shape 1:36", "bad-shape 1:62"])
    // The good output is kept.
    #expect(decoded.value?.outputs.map(\.name.name) == ["b"])
  }
}
