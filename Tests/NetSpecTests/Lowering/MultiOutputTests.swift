import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Layers with several outputs: how `from:` names them, block `outputs:`,
/// names inside block instances, and what the planner does with an output
/// nothing reads.
@Suite struct MultiOutputTests {
  static let seq2seq = spec(
    inputs: "src: [N, 5, 3], tgt: [N, 4, 3]",
    """
      - lstm: {hidden: 4, layers: 2, from: src, name: enc}
      - lstm: {hidden: 4, layers: 2, from: [tgt, enc.h, enc.c], name: dec}
      - split: {sizes: [1, 3], axis: -1, name: parts}
      - concat: {from: [parts.0, parts.1, dec.output], axis: -1}
    """)

  @Test func outputsAreNamedAfterTheLayerAndTheSchema() throws {
    let (graph, diagnostics) = lower(Self.seq2seq)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
    let g = try #require(graph)
    let names = g.nodes.map { node in node.outputs.map { g.values[$0].name } }
    #expect(names == [["enc", "enc.h", "enc.c"], ["dec", "dec.h", "dec.c"], ["parts.0", "parts.1"], ["concat_1"]])
    let dec = try #require(g.nodes.first { $0.name == "dec" })
    #expect(dec.inputs.map { g.values[$0].name } == ["tgt", "enc.h", "enc.c"])
    #expect(g.values[g.nodes[1].outputs[1]].type == TensorType([.symbol("N"), Dim(2), Dim(4)]))
  }

  @Test func aFinalStateNobodyReadsGetsAZeroedGradient() throws {
    let (graph, _) = lower(Self.seq2seq + "\ntrain: {loss: mse, optimizer: sgd}\n")
    let plan = try Planner.plan(try #require(graph), capacity: 2, training: true)
    let decoder = try #require(plan.backwardSteps.first { plan.graph.nodes[$0.node].name == "dec" })
    #expect(decoder.zeroedOutputGradients == [1, 2])
    let encoder = try #require(plan.backwardSteps.first { plan.graph.nodes[$0.node].name == "enc" })
    #expect(encoder.zeroedOutputGradients == [0])
    #expect(PlanText.plan(plan).contains("zeroed"))
  }

  @Test func blockOutputsAndInnerNamesAreAddressable() throws {
    let yaml = spec(
      inputs: "x: [N, 6, 8]",
      """
        - residual: {name: layers}
          repeat: 2
        - add: {from: [layers, layers.0.skip, layers.1.skip], name: sum}
        - concat: {from: [sum, layers.1.gate.0], axis: -1}
      """,
      extra: """
        blocks:
          residual:
            outputs: [out, skip]
            layers:
              - split: {chunks: 2, axis: -1, name: gate}
              - multiply: {from: [gate.0, gate.1], name: gated}
              - dense: {units: 8, from: gated, name: skip}
              - dense: {units: 8, from: gated, name: res}
              - add: {from: [res, input], name: out}
        expect:
          outputs: {layers.0.skip: [N, 6, 8], layers.1.gated: [N, 6, 4]}

        """)
    let (graph, diagnostics) = lower(yaml)
    #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics.map(\.message))")
    let g = try #require(graph)
    let add = try #require(g.nodes.first { $0.name == "sum" })
    #expect(add.inputs.map { g.values[$0].name } == ["layers.1.out", "layers.0.skip", "layers.1.skip"])
    #expect(g.nodes.last.map { $0.inputs.map { g.values[$0].name } } == ["sum", "layers.1.gate.0"])
  }

  @Test func aMissingBlockOutputIsLocated() {
    let yaml = spec(
      inputs: "x: [N, 8]",
      """
        - twice: {name: t}
      """,
      extra: """
        blocks:
          twice:
            outputs: [first, scond]
            layers:
              - dense: {units: 8, name: first}
              - dense: {units: 8, name: second}

        """)
    let (graph, diagnostics) = lower(yaml)
    #expect(graph == nil)
    #expect(diagnostics.map(\.message) == ["no layer or input named `scond` here"])
    #expect(diagnostics.first?.helps == ["did you mean `second`?"])
  }
}
