import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `expect:` reads the model as docs/SPEC-training.md says: `params` pins the
/// trainable parameters, the largest-layers note counts a tied weight once,
/// and `outputs` takes every name `from:` takes.
@Suite struct ExpectCheckTests {
  @Test func paramsPinTheTrainableParameters() throws {
    let layers = """
        - dense: {units: 10, trainable: false}
        - dense: 2
      """
    // 64*10 + 10 frozen, 10*2 + 2 trainable.
    #expect(lower(spec(layers, extra: "expect: {params: 22}\n")).1.filter { $0.severity == .error }.isEmpty)
    let (_, diagnostics) = lower(spec(layers, extra: "expect: {params: 672}\n"))
    let mismatch = try #require(diagnostics.first { $0.code == .paramCountMismatch })
    #expect(mismatch.message == "the model has 22 trainable parameters, `expect.params` says 672")
    #expect(mismatch.notes.contains("650 frozen parameters (`trainable: false`) are not counted"))
    #expect(mismatch.helps == ["if the change is intended, set `params: 22`"])
  }

  @Test func theLargestLayersNoteCountsATiedWeightOnce() throws {
    let yaml = spec(
      inputs: "ids: {shape: [N, T], dtype: int32}",
      """
        - embedding: {vocab: 100, dim: 8, name: embed}
        - dense: {units: 100, bias: false, tie: embed}
      """, extra: "expect: {params: 1}\n")
    let (_, diagnostics) = lower(yaml)
    let mismatch = try #require(diagnostics.first { $0.code == .paramCountMismatch })
    #expect(mismatch.message.hasPrefix("the model has 800 trainable parameters"))
    #expect(mismatch.notes.first == "largest layers: `embed` 800")
  }

  @Test func outputsTakeBlockInstancesAndRepeatedLayers() throws {
    let yaml = """
      netspec: 1
      inputs: {x: [N, 8]}
      blocks:
        mlp:
          layers:
            - dense: 16
            - dense: 4
      layers:
        - mlp: {name: head}
        - dense: {units: 4, name: deep}
          repeat: 3
      expect:
        outputs: {head: [N, 4], deep: [N, 4], x: [N, 8]}
      """
    let (graph, diagnostics) = lower(yaml)
    #expect(graph != nil, "\(diagnostics.map(\.message))")
    let wrong = yaml.replacingOccurrences(of: "head: [N, 4]", with: "head: [N, 5]")
    let mismatch = try #require(lower(wrong).1.first { $0.code == .outputShapeMismatch })
    #expect(mismatch.message == "`head` has shape [N, 4], `expect` says [N, 5]")
  }

  /// A computed size is written as `netspec check` prints it and compared as a
  /// polynomial, so a wrong coefficient is a mismatch at that output.
  @Test func outputsTakeComputedSizes() throws {
    let yaml = """
      netspec: 1
      inputs: {x: [N, T, 2]}
      layers:
        - dense: 3
        - flatten: {name: flat}
      expect:
        outputs: {flat: [N, 3*T]}
      """
    let (graph, diagnostics) = lower(yaml)
    #expect(graph != nil, "\(diagnostics.map(\.message))")
    let wrong = yaml.replacingOccurrences(of: "[N, 3*T]", with: "[N, 2*T + 1]")
    let mismatch = try #require(lower(wrong).1.first { $0.code == .outputShapeMismatch })
    #expect(mismatch.message == "`flat` has shape [N, 3*T], `expect` says [N, 2*T + 1]")
  }
}
