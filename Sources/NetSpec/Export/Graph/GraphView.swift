import Foundation
import NetSpecRuntime

/// What a drawing of a ``Graph`` shows, whatever the format: boxes (model
/// inputs, loss targets, layers and closed block instances) with their lines
/// of text, the clusters they sit in (open instances and repeats), and the
/// edges between boxes, each labelled with the shape it carries.
///
/// A closed instance stands for all its layers: one box with its name, its
/// block, its output shape and its parameter count, and edges only where
/// tensors cross its border. Clusters are read off the dot-qualified layer
/// names (`layer1.0.conv2d_1` sits in instance `layer1.0`, in repeat `layer1`).
struct GraphView {
  struct Item {
    /// The box's id in the output (`in0`, `target4`, `n3`, `b5`).
    var id: String
    var kind: GraphItemKind
    var lines: [String]
    /// It computes a model output (drawn with a double border).
    var isOutput: Bool
  }

  /// An item or a cluster in drawing order.
  enum Member {
    case item(Int)
    case cluster(Cluster)
  }

  struct Cluster {
    /// The cluster's id in the output, from its qualified name.
    var name: String
    var label: String
    var members: [Member]
  }

  struct Edge {
    var from: Int
    var to: Int
    var label: String
  }

  var items: [Item] = []
  /// Top-level members, in order of first appearance.
  var members: [Member] = []
  var edges: [Edge] = []

  /// The kinds of the items, in order of first appearance (for the legend).
  var kinds: [GraphItemKind] {
    var seen: Set<GraphItemKind> = []
    return items.map(\.kind).filter { seen.insert($0).inserted }
  }

  init(_ graph: Graph, expansion: GraphExpansion) {
    var itemOfValue: [ValueID: Int] = [:]
    for value in graph.inputs + graph.targets {
      let v = graph.values[value]
      let isTarget = v.role == .target
      itemOfValue[value] = items.count
      members.append(.item(items.count))
      items.append(
        Item(
          id: (isTarget ? "target" : "in") + "\(value)", kind: isTarget ? .target : .input,
          lines: [v.name, "\(isTarget ? "target" : "input") \(v.type)"], isOutput: false))
    }
    // The visible unit of each node: the outermost closed instance around it, or itself.
    let units = graph.nodes.map { node in
      Self.prefixes(of: node.name).first { graph.blockInstances[$0] != nil && !expansion.opens($0) }
        ?? node.name
    }
    // Boxes in order of their first node, after the inputs and targets.
    let first = items.count
    var itemOfUnit: [String: Int] = [:]
    var unitNodes: [(unit: String, nodes: [NodeID])] = []
    let tree = ClusterTree()
    for (id, unit) in units.enumerated() {
      if let item = itemOfUnit[unit] {
        unitNodes[item - first].nodes.append(id)
        continue
      }
      itemOfUnit[unit] = first + unitNodes.count
      tree.insert(first + unitNodes.count, path: Self.prefixes(of: unit))
      unitNodes.append((unit, [id]))
    }
    let listed = unitNodes.map { Self.outputs(of: $0.nodes, unit: $0.unit, units: units, graph) }
    items += unitNodes.indices.map { Self.item(for: unitNodes[$0].nodes, unit: unitNodes[$0].unit, listed[$0], graph) }
    var drawn: Set<String> = []
    for (id, node) in graph.nodes.enumerated() {
      for value in node.inputs {
        let from: Int
        switch graph.values[value].role {
        case .activation(let producer): from = itemOfUnit[units[producer]]!
        case .input, .target: from = itemOfValue[value]!
        }
        let to = itemOfUnit[units[id]]!
        // An edge from a box with several outputs says which one it carries.
        let type = graph.values[value].type.description
        let label = from >= first && listed[from - first].count > 1 ? "\(graph.values[value].name) \(type)" : type
        guard from != to, drawn.insert("\(from) \(to) \(label)").inserted else { continue }
        edges.append(Edge(from: from, to: to, label: label))
      }
    }
    members += tree.root.members(graph)
  }

  /// The proper dot-prefixes of a name: `a.b.c` -> `a`, `a.b`.
  static func prefixes(of name: String) -> [String] {
    let components = name.split(separator: ".", omittingEmptySubsequences: false)
    return (1..<max(components.count, 1)).map { components[..<$0].joined(separator: ".") }
  }

  /// The outputs a box lists when it has several: every output of a layer
  /// (`enc`, `enc.h`, `enc.c`; `gate.0`, `gate.1`), or the values a closed
  /// instance passes out of its border (its `outputs:`, such as `stack.0` and
  /// `stack.0.skip`).
  private static func outputs(of nodes: [NodeID], unit: String, units: [String], _ graph: Graph) -> [ValueID] {
    guard graph.blockInstances[unit] != nil else { return graph.nodes[nodes[0]].outputs }
    let inside = Set(nodes)
    var read: Set<ValueID> = Set(graph.outputs)
    for (id, node) in graph.nodes.enumerated() where !inside.contains(id) { read.formUnion(node.inputs) }
    return nodes.flatMap { graph.nodes[$0].outputs }.filter(read.contains)
  }

  /// The lines of a loss layer that is one term of several (`term pixels,
  /// weight 0.5`), or of the weighted sum of the terms (`digit + 0.5 x pixels`).
  private static func lossLines(_ node: NodeID, _ graph: Graph) -> [String] {
    let terms = graph.lossTerms
    guard terms.count > 1 || terms.first.map({ $0.weight != 1 }) == true else { return [] }
    func weight(_ value: Double) -> String { String(format: "%g", value) }
    if let term = terms.first(where: { $0.node == node }) {
      return ["term \(term.name)" + (term.weight == 1 ? "" : ", weight \(weight(term.weight))")]
    }
    guard graph.nodes[node].op is LossSum else { return [] }
    return [terms.map { $0.weight == 1 ? $0.name : "\(weight($0.weight)) x \($0.name)" }.joined(separator: " + ")]
  }

  /// The box of one node, or of a closed instance made of `nodes`.
  private static func item(for nodes: [NodeID], unit: String, _ outputs: [ValueID], _ graph: Graph) -> Item {
    let last = graph.nodes[nodes.last!]
    let members = Set(nodes)
    var own: Set<ParameterID> = []
    var tied: [String] = []
    for id in nodes {
      for (_, parameter) in graph.nodes[id].parameters {
        let owner = graph.parameters[parameter].owner
        if members.contains(owner) {
          own.insert(parameter)
        } else if !tied.contains(graph.nodes[owner].name) {
          tied.append(graph.nodes[owner].name)
        }
      }
    }
    var lines: [String]
    let kind: GraphItemKind
    let shapes =
      outputs.count > 1
      ? outputs.map { "\(graph.values[$0].name) \(graph.values[$0].type)" }
      : [graph.values[last.outputs[0]].type.description]
    if let block = graph.blockInstances[unit] {
      lines = ["\(unit) (\(block))"] + shapes
      kind = .block
    } else {
      lines = [unit, OpSummary.text(last)] + shapes + lossLines(nodes[0], graph)
      kind = .op(type(of: last.op).schema.category)
    }
    let count = own.reduce(0) { $0 + graph.parameters[$1].count }
    if count > 0 { lines.append("\(kind == .block ? HumanUnits.count(count) : ProgressFormat.grouped(count)) params") }
    if !tied.isEmpty { lines.append("tied to " + tied.joined(separator: ", ")) }
    let isOutput = nodes.contains { graph.nodes[$0].outputs.contains(where: graph.outputs.contains) }
    return Item(id: (kind == .block ? "b" : "n") + "\(nodes[0])", kind: kind, lines: lines, isOutput: isOutput)
  }
}

/// Clusters as a tree keyed by name prefix, members in order of first appearance.
private final class ClusterTree {
  final class Level {
    let name: String
    var order: [Entry] = []
    var children: [String: Level] = [:]

    enum Entry {
      case item(Int)
      case level(Level)
    }

    init(_ name: String) { self.name = name }

    /// The members of this level, clusters labelled `name (block)` for an
    /// instance and `name × count` for a repeat.
    func members(_ graph: Graph) -> [GraphView.Member] {
      order.map { entry in
        switch entry {
        case .item(let item): return .item(item)
        case .level(let level):
          let label =
            graph.blockInstances[level.name].map { "\(level.name) (\($0))" } ?? "\(level.name) × \(level.order.count)"
          return .cluster(GraphView.Cluster(name: level.name, label: label, members: level.members(graph)))
        }
      }
    }
  }

  let root = Level("")

  func insert(_ item: Int, path: [String]) {
    var level = root
    for name in path {
      if let child = level.children[name] {
        level = child
      } else {
        let child = Level(name)
        level.children[name] = child
        level.order.append(.level(child))
        level = child
      }
    }
    level.order.append(.item(item))
  }
}
