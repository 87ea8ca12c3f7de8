import NetSpecDiagnostics

/// Which block instances a drawing of the graph opens (`netspec graph
/// --expand NAME`, `--expand-all`). A closed instance is drawn as one box;
/// an open one as a cluster of its layers.
///
/// `names` are dot-qualified prefixes of layer names: `layer1` opens every
/// instance of the repeat `layer1` (and the instances inside them),
/// `encoder.0` opens that instance and, for it to be seen, the ones around it.
public struct GraphExpansion: Sendable, Equatable {
  /// Open every instance.
  public var all: Bool
  /// Open the instances named so, inside them or around them.
  public var names: [String]

  public init(all: Bool = false, names: [String] = []) {
    self.all = all
    self.names = names
  }

  /// Every instance closed (the default drawing).
  public static let collapsed = GraphExpansion()
  /// Every instance open.
  public static let expanded = GraphExpansion(all: true)

  /// Whether the instance named `instance` is drawn open.
  func opens(_ instance: String) -> Bool {
    all
      || names.contains { name in
        name == instance || instance.hasPrefix(name + ".") || name.hasPrefix(instance + ".")
      }
  }

  /// The names that are no prefix of any layer name in `graph`, each with a
  /// `did you mean` help when one is close.
  public func unknownNames(in graph: Graph) -> [(name: String, help: String?)] {
    var prefixes: [String] = []
    var seen: Set<String> = []
    for node in graph.nodes {
      var prefix = ""
      for component in node.name.split(separator: ".", omittingEmptySubsequences: false) {
        prefix = prefix.isEmpty ? String(component) : prefix + "." + component
        if seen.insert(prefix).inserted { prefixes.append(prefix) }
      }
    }
    return names.filter { !seen.contains($0) }.map { ($0, Suggestions.didYouMean($0, in: prefixes)) }
  }
}
