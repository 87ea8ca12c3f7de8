/// Writes a ``Graph`` as Graphviz DOT (`netspec graph`).
///
/// Block instances are closed by default: one box each (name, block, output
/// shape, parameter count); ``GraphExpansion`` opens them into clusters of
/// their layers. A layer's box shows its name, its op with the key attributes
/// (``OpSummary``), its output shape and its parameter count; an ellipse
/// stands for each model input and loss target, an octagon for the loss, and
/// model outputs get a double border. Boxes are coloured by op category, with
/// a legend; edges carry the shape of the tensor they move. The output depends
/// only on the graph, so it is stable across runs and diffable.
///
/// ```swift
/// let dot = GraphvizExporter(graph: spec.graph, title: spec.document.name).dot
/// ```
public struct GraphvizExporter: Sendable {
  public var graph: Graph
  /// The graph's label, e.g. the spec's name and description.
  public var title: String?
  /// Which block instances are drawn open.
  public var expansion: GraphExpansion

  public init(graph: Graph, title: String? = nil, expansion: GraphExpansion = .collapsed) {
    self.graph = graph
    self.title = title
    self.expansion = expansion
  }

  /// The DOT source, ending with a newline.
  public var dot: String {
    let view = GraphView(graph, expansion: expansion)
    var out = "digraph netspec {\n"
    out += "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=11"
    if let title { out += ", label=\(Self.quoted(title)), labelloc=t" }
    out += "];\n"
    out += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
    out += "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n"
    out += "  " + legend(view.kinds) + "\n"
    write(view.members, of: view, to: &out, indent: "  ")
    for edge in view.edges {
      out += "  \(view.items[edge.from].id) -> \(view.items[edge.to].id) [label=\(Self.quoted(edge.label))];\n"
    }
    return out + "}\n"
  }

  /// A DOT string literal. Backslashes and quotes are escaped; line breaks
  /// become centered `\n` breaks, other control characters are dropped.
  public static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F: continue
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  // MARK: - Statements

  private func write(_ members: [GraphView.Member], of view: GraphView, to out: inout String, indent: String) {
    for member in members {
      switch member {
      case .item(let index):
        out += indent + statement(view.items[index]) + "\n"
      case .cluster(let cluster):
        out += indent + "subgraph \(Self.quoted("cluster_" + cluster.name)) {\n"
        out += indent + "  label=\(Self.quoted(cluster.label)); style=\"rounded,dashed\"; color=\"#8899aa\";\n"
        write(cluster.members, of: view, to: &out, indent: indent + "  ")
        out += indent + "}\n"
      }
    }
  }

  private func statement(_ item: GraphView.Item) -> String {
    var attributes: [String] = []
    switch item.kind {
    case .input, .target: attributes.append("shape=ellipse")
    case .block: attributes += ["shape=box3d", "style=filled", "margin=\"0.15,0.1\""]
    case .op(.loss): attributes.append("shape=octagon")
    case .op: break
    }
    attributes += ["fillcolor=\"\(item.kind.fill)\"", "color=\"\(item.kind.stroke)\""]
    attributes.append("label=\(Self.quoted(item.lines.joined(separator: "\n")))")
    if item.isOutput { attributes.append("peripheries=2") }
    return "\(item.id) [\(attributes.joined(separator: ", "))];"
  }

  /// One plain node holding a row of coloured cells, one per kind drawn.
  private func legend(_ kinds: [GraphItemKind]) -> String {
    let cells = kinds.map { "<td bgcolor=\"\($0.fill)\">\($0.name)</td>" }.joined()
    return
      "legend [shape=plaintext, style=solid, fontsize=9, label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
      + "cellpadding=\"3\"><tr>\(cells)</tr></table>>];"
  }
}
