import Testing

@testable import NetSpec

@Suite("GraphvizExporter")
struct GraphvizExporterTests {
  @Test("DOT of a tiny trained graph: inputs, targets, loss, outputs, escaped title")
  func golden() throws {
    let spec = try #require(
      checkedSpec(
        #"""
        netspec: 1
        name: tiny
        description: 'a "tiny" net \ with a backslash'
        inputs: {x: [N, 4]}
        layers:
          - dense: {units: 3, name: hidden}
          - relu
          - dense: 2
        train: {loss: cross_entropy}

        """#))
    let title = "\(spec.document.name!)\n\(spec.document.description!)"
    #expect(
      GraphvizExporter(graph: spec.graph, title: title).dot == #"""
        digraph netspec {
          graph [rankdir=TB, fontname="Helvetica", fontsize=11, label="tiny\na \"tiny\" net \\ with a backslash", labelloc=t];
          node [shape=box, style="rounded,filled", fillcolor="#e8eef7", fontname="Helvetica", fontsize=10];
          edge [fontname="Helvetica", fontsize=9, color="#555555"];
          in0 [shape=ellipse, fillcolor="#e3f4e1", label="x\ninput [N, 4]"];
          target4 [shape=ellipse, fillcolor="#fdf0d5", label="label\ntarget int32[N]"];
          n0 [label="hidden\ndense\n[N, 3]\n15 params"];
          n1 [label="relu_1\nrelu\n[N, 3]"];
          n2 [label="dense_1\ndense\n[N, 2]\n8 params", peripheries=2];
          n3 [label="loss\ncross_entropy\n[]", shape=octagon, fillcolor="#f8d7d7"];
          in0 -> n0 [label="[N, 4]"];
          n0 -> n1 [label="[N, 3]"];
          n1 -> n2 [label="[N, 3]"];
          n2 -> n3 [label="[N, 2]"];
          target4 -> n3 [label="int32[N]"];
        }

        """#)
  }

  @Test("block instances and repeats become nested clusters; tied layers say so")
  func clusters() throws {
    let spec = try #require(
      checkedSpec(
        """
        netspec: 1
        inputs: {x: [N, 8]}
        blocks:
          mlp:
            args: {width: required}
            layers:
              - dense: {units: $width, name: fc}
              - relu
        layers:
          - mlp: {width: 8, name: stage}
            repeat: 2
          - dense: {units: 8, tie: stage.1.fc}

        """))
    let dot = GraphvizExporter(graph: spec.graph).dot
    #expect(
      dot.contains(
        """
          subgraph "cluster_stage" {
            label="stage"; style="rounded,dashed"; color="#8899aa";
            subgraph "cluster_stage.0" {
              label="stage.0"; style="rounded,dashed"; color="#8899aa";
              n0 [label="stage.0.fc\\ndense\\n[N, 8]\\n72 params"];
              n1 [label="stage.0.relu_1\\nrelu\\n[N, 8]"];
            }
            subgraph "cluster_stage.1" {
              label="stage.1"; style="rounded,dashed"; color="#8899aa";
              n2 [label="stage.1.fc\\ndense\\n[N, 8]\\n72 params"];
              n3 [label="stage.1.relu_1\\nrelu\\n[N, 8]"];
            }
          }
          n4 [label="dense_1\\ndense\\n[N, 8]\\ntied to stage.1.fc", peripheries=2];

        """))
    #expect(!dot.contains("label=\"\""))
    #expect(dot == GraphvizExporter(graph: spec.graph).dot)
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
