/// Writes a ``Graph`` as Graphviz DOT (`netspec graph`).
///
/// One box per node (name, op, output shape, and its parameter count when it
/// owns parameters), an ellipse per model input and loss target, an octagon
/// for the loss; edges carry the shape of the tensor they move. Nodes of block
/// instances and repeats sit in nested clusters read off their dot-qualified
/// names: `layer1.0.conv1` is drawn inside cluster `layer1.0`, inside `layer1`.
/// Model outputs get a double border. The output depends only on the graph, so
/// it is stable across runs and diffable.
///
/// ```swift
/// let dot = GraphvizExporter(graph: spec.graph, title: spec.document.name).dot
/// ```
public struct GraphvizExporter: Sendable {
  public var graph: Graph
  /// The graph's label, e.g. the spec's name and description.
  public var title: String?

  public init(graph: Graph, title: String? = nil) {
    self.graph = graph
    self.title = title
  }

  /// The DOT source, ending with a newline.
  public var dot: String {
    var out = "digraph netspec {\n"
    out += "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=11"
    if let title { out += ", label=\(Self.quoted(title)), labelloc=t" }
    out += "];\n"
    out += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8eef7\", fontname=\"Helvetica\", fontsize=10];\n"
    out += "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n"
    for id in graph.inputs { out += "  " + sourceStatement(id) + "\n" }
    for id in graph.targets { out += "  " + sourceStatement(id) + "\n" }
    writeCluster(clusterTree(), path: [], to: &out, indent: "  ")
    for (id, node) in graph.nodes.enumerated() {
      for value in node.inputs {
        out += "  \(producer(of: value)) -> n\(id) [label=\(Self.quoted(graph.values[value].type.description))];\n"
      }
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

  /// The DOT id of the node that produces `value`.
  private func producer(of value: ValueID) -> String {
    switch graph.values[value].role {
    case .input: "in\(value)"
    case .target: "target\(value)"
    case .activation(let node): "n\(node)"
    }
  }

  /// An input or target node: an ellipse with its name and type.
  private func sourceStatement(_ value: ValueID) -> String {
    let v = graph.values[value]
    let (kind, color) = v.role == .target ? ("target", "#fdf0d5") : ("input", "#e3f4e1")
    let label = Self.quoted("\(v.name)\n\(kind) \(v.type)")
    return "\(producer(of: value)) [shape=ellipse, fillcolor=\"\(color)\", label=\(label)];"
  }

  private func nodeStatement(_ id: NodeID) -> String {
    let node = graph.nodes[id]
    var lines = [node.name, node.opName, graph.values[node.outputs[0]].type.description]
    let own = node.parameters.filter { graph.parameters[$0.id].owner == id }.reduce(0) {
      $0 + graph.parameters[$1.id].count
    }
    if own > 0 { lines.append("\(ProgressFormat.grouped(own)) params") }
    if node.parameters.contains(where: { graph.parameters[$0.id].owner != id }) {
      let owners = Set(node.parameters.map { graph.parameters[$0.id].owner }.filter { $0 != id })
      lines.append("tied to " + owners.sorted().map { graph.nodes[$0].name }.joined(separator: ", "))
    }
    var attributes = ["label=\(Self.quoted(lines.joined(separator: "\n")))"]
    if node.op is any LossOperator {
      attributes += ["shape=octagon", "fillcolor=\"#f8d7d7\""]
    } else if node.outputs.contains(where: graph.outputs.contains) {
      attributes.append("peripheries=2")
    }
    return "n\(id) [\(attributes.joined(separator: ", "))];"
  }

  // MARK: - Clusters

  /// Block instances and repeats as a tree keyed by name prefix, children in
  /// order of first appearance.
  private final class Cluster {
    var children: [(name: String, cluster: Cluster)] = []
    /// Members (child clusters and nodes) in order of first appearance.
    var order: [Member] = []

    enum Member {
      case cluster(Int)
      case node(NodeID)
    }

    func child(_ name: String) -> Cluster {
      if let existing = children.first(where: { $0.name == name }) { return existing.cluster }
      let cluster = Cluster()
      order.append(.cluster(children.count))
      children.append((name, cluster))
      return cluster
    }
  }

  private func clusterTree() -> Cluster {
    let root = Cluster()
    for (id, node) in graph.nodes.enumerated() {
      var cluster = root
      for component in node.name.split(separator: ".", omittingEmptySubsequences: false).dropLast() {
        cluster = cluster.child(String(component))
      }
      cluster.order.append(.node(id))
    }
    return root
  }

  private func writeCluster(_ cluster: Cluster, path: [String], to out: inout String, indent: String) {
    for member in cluster.order {
      switch member {
      case .node(let id):
        out += indent + nodeStatement(id) + "\n"
      case .cluster(let index):
        let (name, child) = cluster.children[index]
        let qualified = (path + [name]).joined(separator: ".")
        out += indent + "subgraph \(Self.quoted("cluster_" + qualified)) {\n"
        out += indent + "  label=\(Self.quoted(qualified)); style=\"rounded,dashed\"; color=\"#8899aa\";\n"
        writeCluster(child, path: path + [name], to: &out, indent: indent + "  ")
        out += indent + "}\n"
      }
    }
  }
}
