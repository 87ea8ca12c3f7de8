import Testing

@testable import NetSpec

@Suite("MermaidExporter")
struct MermaidExporterTests {
  @Test("golden Mermaid flowchart of a repeated block, collapsed")
  func collapsedGolden() throws {
    let spec = try #require(checkedSpec(smallRepeatSpec))
    #expect(
      MermaidExporter(graph: spec.graph).flowchart == #"""
        flowchart TD
          in0(["x<br/>input [N, 8]"]):::input
          target7(["label<br/>target int32[N]"]):::target
          subgraph c0["stage × 2"]
            b0[["stage.0 (mlp)<br/>[N, 8]<br/>72 params"]]:::block
            b2[["stage.1 (mlp)<br/>[N, 8]<br/>72 params"]]:::block
          end
          n4["dense_1<br/>dense(8)<br/>[N, 8]<br/>tied to stage.1.fc"]:::layer
          n5["dense_2<br/>dense(3)<br/>[N, 3]<br/>27 params"]:::layer
          n6{{"loss<br/>cross_entropy<br/>[]"}}:::loss
          in0 -->|"[N, 8]"| b0
          b0 -->|"[N, 8]"| b2
          b2 -->|"[N, 8]"| n4
          n4 -->|"[N, 8]"| n5
          n5 -->|"[N, 3]"| n6
          target7 -->|"int32[N]"| n6
          style n5 stroke-width:3px
          subgraph legend["legend"]
            direction LR
            legend_input["input"]:::input
            legend_target["target"]:::target
            legend_block["block"]:::block
            legend_layer["layer"]:::layer
            legend_loss["loss"]:::loss
          end
          classDef input fill:#e3f4e1,stroke:#5a9a52,color:#000
          classDef target fill:#fdf0d5,stroke:#b98a2e,color:#000
          classDef block fill:#dfe3e8,stroke:#5f6b7a,color:#000
          classDef layer fill:#cfe0f5,stroke:#4a74b0,color:#000
          classDef loss fill:#f8d7d7,stroke:#b05050,color:#000

        """#)
  }

  @Test("--expand-all: open instances become nested subgraphs")
  func expandedSubgraphs() throws {
    let spec = try #require(checkedSpec(smallRepeatSpec))
    let chart = MermaidExporter(graph: spec.graph, expansion: .expanded).flowchart
    #expect(
      chart.contains(
        """
          subgraph c0["stage × 2"]
            subgraph c1["stage.0 (mlp)"]
              n0["stage.0.fc<br/>dense(8, activation: tanh)<br/>[N, 8]<br/>72 params"]:::layer
              n1["stage.0.dropout_1<br/>dropout(0.1)<br/>[N, 8]"]:::regularization
            end
            subgraph c2["stage.1 (mlp)"]
        """))
    #expect(chart.contains("  n1 -->|\"[N, 8]\"| n2\n"))
  }

  @Test("odd names reach the chart escaped, not as Mermaid syntax")
  func oddNames() throws {
    // Spec names are letters, digits, `_` and `-`; a graph built another way may hold anything.
    var graph = try #require(checkedSpec(smallRepeatSpec)).graph
    graph.nodes[5].name = #"a"b#c"#
    graph.nodes[6].name = "x<y>&z|w`v"
    let chart = MermaidExporter(graph: graph).flowchart
    #expect(chart.contains(#"n5["a#quot;b#35;c<br/>dense(3)<br/>[N, 3]<br/>27 params"]:::layer"#))
    #expect(chart.contains(#"n6{{"x#60;y#62;#38;z#124;w#96;v<br/>cross_entropy<br/>[]"}}:::loss"#))
  }

  @Test(
    "Mermaid string escaping",
    arguments: [
      ("plain", #""plain""#),
      (#"say "hi""#, #""say #quot;hi#quot;""#),
      ("a#1;", #""a#35;1;""#),
      ("<b>&</b>", ##""#60;b#62;#38;#60;/b#62;""##),
      ("pipe|tick`", #""pipe#124;tick#96;""#),
      ("two\nlines", #""two<br/>lines""#),
      ("tab\there\u{7}", #""tabhere""#),
      ("ünïcode ✓", #""ünïcode ✓""#),
    ])
  func quoting(_ text: String, _ quoted: String) {
    #expect(MermaidExporter.quoted(text) == quoted)
  }
}
