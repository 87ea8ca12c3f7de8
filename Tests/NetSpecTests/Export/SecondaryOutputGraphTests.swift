import Testing

@testable import NetSpec

/// `netspec graph` on ``secondaryOutputsSpec``: boxes list their several
/// outputs by name, edges from them say which output they carry, and the
/// loss terms' octagons show the terms and the objective.
@Suite struct SecondaryOutputGraphTests {
  @Test func closedInstancesAndLayersListTheirOutputs() throws {
    let spec = try #require(checkedSpec(secondaryOutputsSpec))
    let dot = GraphvizExporter(graph: spec.graph).dot
    let expected = [
      ##"n0 [fillcolor="#c9e4f0", color="#3f86a8", label="enc\nlstm(6)\nenc [N, 4, 6]\nenc.h [N, 6]\nenc.c [N, 6]\n336 params"];"##,
      ##"b1 [shape=box3d, style=filled, margin="0.15,0.1", fillcolor="#dfe3e8", color="#5f6b7a", label="stack.0 (unit)\nstack.0.skip [N, 4, 3]\nstack.0.out [N, 4, 6]"];"##,
      ##"n15 [shape=octagon, fillcolor="#f8d7d7", color="#b05050", label="loss_digit\ncross_entropy\n[]\nterm digit"];"##,
      ##"n16 [shape=octagon, fillcolor="#f8d7d7", color="#b05050", label="loss_pixels\nmse\n[]\nterm pixels, weight 0.5"];"##,
      ##"n17 [shape=octagon, fillcolor="#f8d7d7", color="#b05050", label="loss\nloss_sum\n[]\ndigit + 0.5 x pixels"];"##,
      ##"n0 -> b1 [label="enc [N, 4, 6]"];"##,
      ##"b1 -> b6 [label="stack.0.out [N, 4, 6]"];"##,
      ##"b1 -> n11 [label="stack.0.skip [N, 4, 3]"];"##,
      ##"n0 -> n13 [label="enc.h [N, 6]"];"##,
      ##"n11 -> n12 [label="[N, 4, 3]"];"##,
    ]
    for line in expected { #expect(dot.contains("  " + line + "\n"), "\(line)\n\(dot)") }
  }

  @Test func anOpenInstanceShowsTheSplitsParts() throws {
    let spec = try #require(checkedSpec(secondaryOutputsSpec))
    let dot = GraphvizExporter(graph: spec.graph, expansion: .expanded).dot
    #expect(dot.contains(##"label="stack.0.gate\nsplit(2)\nstack.0.gate.0 [N, 4, 3]\nstack.0.gate.1 [N, 4, 3]"];"##))
    #expect(dot.contains(##"n1 -> n3 [label="stack.0.gate.1 [N, 4, 3]"];"##), "\(dot)")
    let mermaid = MermaidExporter(graph: spec.graph).flowchart
    #expect(mermaid.contains("term pixels, weight 0.5"), "\(mermaid)")
  }
}
