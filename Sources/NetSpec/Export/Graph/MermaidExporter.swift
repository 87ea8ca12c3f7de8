/// Writes a ``Graph`` as a Mermaid `flowchart TD` for Markdown documents
/// (`netspec graph --format mermaid`): the same boxes, clusters, colours and
/// edges as ``GraphvizExporter``, with closed block instances as subroutine
/// boxes, inputs and targets as stadiums, the loss as a hexagon, open
/// instances and repeats as subgraphs, and a legend subgraph.
///
/// ```swift
/// let chart = MermaidExporter(graph: spec.graph, expansion: .collapsed).flowchart
/// ```
public struct MermaidExporter: Sendable {
  public var graph: Graph
  /// Which block instances are drawn open.
  public var expansion: GraphExpansion

  public init(graph: Graph, expansion: GraphExpansion = .collapsed) {
    self.graph = graph
    self.expansion = expansion
  }

  /// The flowchart source, ending with a newline.
  public var flowchart: String {
    let view = GraphView(graph, expansion: expansion)
    var out = "flowchart TD\n"
    var clusters = 0
    write(view.members, of: view, to: &out, indent: "  ", clusters: &clusters)
    for edge in view.edges {
      out += "  \(view.items[edge.from].id) -->|\(Self.quoted(edge.label))| \(view.items[edge.to].id)\n"
    }
    for item in view.items where item.isOutput { out += "  style \(item.id) stroke-width:3px\n" }
    let kinds = view.kinds
    out += "  subgraph legend[\"legend\"]\n    direction LR\n"
    for kind in kinds { out += "    legend_\(kind.name)[\(Self.quoted(kind.name))]:::\(kind.name)\n" }
    out += "  end\n"
    for kind in kinds { out += "  classDef \(kind.name) fill:\(kind.fill),stroke:\(kind.stroke),color:#000\n" }
    return out
  }

  /// A Mermaid string in quotes: characters Mermaid or HTML would read are
  /// written as entity codes (`#quot;`, `#35;`, `#60;`...), line breaks as
  /// `<br/>`; other control characters are dropped.
  public static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "#quot;"
      case "#": out += "#35;"
      case "&": out += "#38;"
      case "<": out += "#60;"
      case ">": out += "#62;"
      case "|": out += "#124;"
      case "`": out += "#96;"
      case "\n": out += "<br/>"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F: continue
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  private func write(
    _ members: [GraphView.Member], of view: GraphView, to out: inout String, indent: String, clusters: inout Int
  ) {
    for member in members {
      switch member {
      case .item(let index):
        out += indent + statement(view.items[index]) + "\n"
      case .cluster(let cluster):
        out += indent + "subgraph c\(clusters)[\(Self.quoted(cluster.label))]\n"
        clusters += 1
        write(cluster.members, of: view, to: &out, indent: indent + "  ", clusters: &clusters)
        out += indent + "end\n"
      }
    }
  }

  private func statement(_ item: GraphView.Item) -> String {
    let label = Self.quoted(item.lines.joined(separator: "\n"))
    let shaped: String
    switch item.kind {
    case .input, .target: shaped = "([\(label)])"
    case .block: shaped = "[[\(label)]]"
    case .op(.loss): shaped = "{{\(label)}}"
    case .op: shaped = "[\(label)]"
    }
    return "\(item.id)\(shaped):::\(item.kind.name)"
  }
}
