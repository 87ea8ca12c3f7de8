import Testing

@testable import NetSpec

@Suite("GraphvizExporter")
struct GraphvizExporterTests {
  @Test("golden DOT of a repeated block, collapsed: one box per instance, a legend, colours by category")
  func collapsedGolden() throws {
    let spec = try #require(checkedSpec(smallRepeatSpec))
    #expect(
      GraphvizExporter(graph: spec.graph, title: spec.document.name).dot == #"""
        digraph netspec {
          graph [rankdir=TB, fontname="Helvetica", fontsize=11, label="small", labelloc=t];
          node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];
          edge [fontname="Helvetica", fontsize=9, color="#555555"];
          legend [shape=plaintext, style=solid, fontsize=9, label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="3"><tr><td bgcolor="#e3f4e1">input</td><td bgcolor="#fdf0d5">target</td><td bgcolor="#dfe3e8">block</td><td bgcolor="#cfe0f5">layer</td><td bgcolor="#f8d7d7">loss</td></tr></table>>];
          in0 [shape=ellipse, fillcolor="#e3f4e1", color="#5a9a52", label="x\ninput [N, 8]"];
          target7 [shape=ellipse, fillcolor="#fdf0d5", color="#b98a2e", label="label\ntarget int32[N]"];
          subgraph "cluster_stage" {
            label="stage × 2"; style="rounded,dashed"; color="#8899aa";
            b0 [shape=box3d, style=filled, margin="0.15,0.1", fillcolor="#dfe3e8", color="#5f6b7a", label="stage.0 (mlp)\n[N, 8]\n72 params"];
            b2 [shape=box3d, style=filled, margin="0.15,0.1", fillcolor="#dfe3e8", color="#5f6b7a", label="stage.1 (mlp)\n[N, 8]\n72 params"];
          }
          n4 [fillcolor="#cfe0f5", color="#4a74b0", label="dense_1\ndense(8)\n[N, 8]\ntied to stage.1.fc"];
          n5 [fillcolor="#cfe0f5", color="#4a74b0", label="dense_2\ndense(3)\n[N, 3]\n27 params", peripheries=2];
          n6 [shape=octagon, fillcolor="#f8d7d7", color="#b05050", label="loss\ncross_entropy\n[]"];
          in0 -> b0 [label="[N, 8]"];
          b0 -> b2 [label="[N, 8]"];
          b2 -> n4 [label="[N, 8]"];
          n4 -> n5 [label="[N, 8]"];
          n5 -> n6 [label="[N, 3]"];
          target7 -> n6 [label="int32[N]"];
        }

        """#)
  }

  @Test("--expand-all opens every instance into a cluster of its layers, inside the repeat's cluster")
  func expandedClusters() throws {
    let spec = try #require(checkedSpec(smallRepeatSpec))
    let dot = GraphvizExporter(graph: spec.graph, expansion: .expanded).dot
    #expect(
      dot.contains(
        #"""
          subgraph "cluster_stage" {
            label="stage × 2"; style="rounded,dashed"; color="#8899aa";
            subgraph "cluster_stage.0" {
              label="stage.0 (mlp)"; style="rounded,dashed"; color="#8899aa";
              n0 [fillcolor="#cfe0f5", color="#4a74b0", label="stage.0.fc\ndense(8, activation: tanh)\n[N, 8]\n72 params"];
              n1 [fillcolor="#e9e4f7", color="#7d6fb0", label="stage.0.dropout_1\ndropout(0.1)\n[N, 8]"];
            }
            subgraph "cluster_stage.1" {
        """#))
    #expect(dot.contains(#"  n1 -> n2 [label="[N, 8]"];"#))
    #expect(!dot.contains("shape=box3d"))
    #expect(dot == GraphvizExporter(graph: spec.graph, expansion: .expanded).dot)
  }

  @Test("--expand NAME opens that instance only; edges cross its border from the closed one")
  func expandOne() throws {
    let spec = try #require(checkedSpec(smallRepeatSpec))
    let dot = GraphvizExporter(graph: spec.graph, expansion: GraphExpansion(names: ["stage.1"])).dot
    #expect(dot.contains(#"b0 [shape=box3d"#))
    #expect(dot.contains(#"subgraph "cluster_stage.1" {"#))
    #expect(!dot.contains(#"subgraph "cluster_stage.0" {"#))
    #expect(dot.contains(#"  b0 -> n2 [label="[N, 8]"];"#))
  }

  @Test("which instances a name opens: itself, those inside it, those around it")
  func expansionMatching() {
    let expansion = GraphExpansion(names: ["encoder.1"])
    #expect(expansion.opens("encoder.1"))
    #expect(expansion.opens("encoder"))
    #expect(expansion.opens("encoder.1.feed_forward_1"))
    #expect(!expansion.opens("encoder.10"))
    #expect(!expansion.opens("encoder.0"))
    #expect(GraphExpansion(names: ["encoder"]).opens("encoder.3.feed_forward_1"))
    #expect(GraphExpansion.expanded.opens("anything"))
    #expect(!GraphExpansion.collapsed.opens("encoder"))
  }

  @Test("--expand names that match no layer are reported with a suggestion")
  func unknownNames() throws {
    let spec = try #require(checkedSpec(smallRepeatSpec))
    let unknown = GraphExpansion(names: ["stage", "stage.1.fc", "stag", "zzz"]).unknownNames(in: spec.graph)
    #expect(unknown.map(\.name) == ["stag", "zzz"])
    #expect(unknown.map(\.help) == ["did you mean `stage`?", nil])
  }

  @Test(
    "a layer's op line: primary attribute unnamed, key attributes named, defaults left out",
    arguments: [
      (
        "- conv2d: {filters: 4, kernel: 3, stride: 2, padding: 1}",
        "conv2d(filters: 4, kernel: 3, stride: 2, padding: 1)"
      ),
      ("- conv2d: {filters: 4, kernel: [3, 1], stride: 1}", "conv2d(filters: 4, kernel: [3, 1])"),
      ("- maxpool2d: 2", "maxpool2d(2)"),
      ("- relu", "relu"),
      ("- dropout: 0.25", "dropout(0.25)"),
    ])
  func opSummary(_ layer: String, _ expected: String) throws {
    let spec = try #require(checkedSpec("netspec: 1\ninputs: {x: [N, 2, 8, 8]}\nlayers:\n  \(layer)\n"))
    #expect(OpSummary.text(spec.graph.nodes[0]) == expected)
  }

  @Test("a Transformer collapses to one box per encoder and decoder layer")
  func transformerCollapses() throws {
    let spec = try SeedSpecs.load("transformer.yaml")
    let dot = GraphvizExporter(graph: spec.graph).dot
    #expect(dot.components(separatedBy: "shape=box3d").count - 1 == 12)
    #expect(dot.contains(#"label="encoder.0 (encoder_layer)\n[N, S, 512]\n3.2 M params"]"#))
    #expect(!dot.contains("feed_forward"))
    let expanded = GraphvizExporter(graph: spec.graph, expansion: .expanded).dot
    #expect(expanded.contains(#"subgraph "cluster_decoder.5.feed_forward_1" {"#))
  }

  @Test(
    "DOT string escaping",
    arguments: [
      ("plain", #""plain""#),
      (#"say "hi""#, #""say \"hi\"""#),
      (#"back\slash"#, #""back\\slash""#),
      ("two\nlines", #""two\nlines""#),
      ("tab\there\u{7}", #""tabhere""#),
      ("ünïcode ✓", #""ünïcode ✓""#),
    ])
  func quoting(_ text: String, _ quoted: String) {
    #expect(GraphvizExporter.quoted(text) == quoted)
  }
}
