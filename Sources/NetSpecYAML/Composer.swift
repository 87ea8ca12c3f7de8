import NetSpecDiagnostics

/// Builds the node tree from parser events, one event at a time, with an explicit
/// stack of open collections (no recursion, so no input can overflow the call
/// stack). It expands aliases, applies `<<` merge keys, and enforces the
/// ``YAMLLimits`` and the rules libyaml leaves to the application: one document,
/// scalar keys, unique keys, defined aliases, no tags.
///
/// Problems that leave the rest of the document readable (a duplicate key, a tag)
/// are recorded and composing goes on, so one run reports them all; exceeding a
/// limit stops it (``Stop``).
struct Composer {
  /// Thrown when composing cannot go on; the reason is the last diagnostic.
  struct Stop: Error {}

  private let limits: YAMLLimits
  private var cursor: LocationCursor
  private var diagnostics: [Diagnostic] = []

  /// Collections whose end event has not come yet, outermost first.
  private var stack: [OpenCollection] = []
  /// Completed anchored nodes by name; a later anchor of the same name replaces
  /// an earlier one, as YAML specifies.
  private var anchors: [String: Anchored] = [:]
  /// Nodes in the document so far, counting each alias as the size of its anchor.
  private var nodeCount = 0
  private var firstDocument: SourceSpan?
  private var root: YAMLNode?

  private struct OpenCollection {
    var isMapping: Bool
    var isFlow: Bool
    /// The span of the start event (`[`, `{`, `- `, or empty before a block key).
    var startSpan: SourceSpan
    var anchor: String?
    /// Items, or for a mapping keys and values alternately.
    var children: [YAMLNode] = []
    /// `nodeCount` before this collection was counted.
    var nodeCountBefore: Int
    /// 1 + the height of the tallest child.
    var height = 1
  }

  /// A completed anchored node with what an alias to it costs.
  private struct Anchored {
    var node: YAMLNode
    var nodes: Int
    /// Nesting levels of lists and mappings in the node (0 for a scalar).
    var height: Int
  }

  init(file: SourceFile, limits: YAMLLimits) {
    self.limits = limits
    self.cursor = LocationCursor(file: file)
  }

  private var file: SourceFile { cursor.file }

  // MARK: - Events

  /// Takes the next event; returns false after the end of the stream.
  mutating func consume(_ event: YAMLEvent) throws(Stop) -> Bool {
    switch event.kind {
    case .streamStart, .documentEnd:
      break
    case .streamEnd:
      return false
    case .documentStart:
      let span = cursor.span(from: event.start, to: event.end)
      if let firstDocument {
        try stop(
          Diagnostic(.multipleDocuments, at: span, "the file holds more than one YAML document")
            .label(firstDocument, "the first document starts here")
            .help("a spec is a single document; remove this `---` or move the rest to another file"))
      }
      firstDocument = span
    case .scalar(let value, let style, let properties):
      var end = event.end
      if style == .literal || style == .folded { end = trimmingTrailingWhitespace(event.start, end) }
      let span = cursor.span(from: event.start, to: end)
      try checkTag(properties.tag, at: span)
      if value.utf8.count > limits.maxScalarBytes {
        try report(
          Diagnostic(
            .scalarTooLong, at: span,
            "this value is \(value.utf8.count) bytes long; the limit is \(limits.maxScalarBytes)"
          ).help("keep large data in a separate file and refer to it by path"))
      }
      try count(1, at: span)
      try complete(
        .scalar(YAMLScalar(value: value, style: style, span: span)), nodes: 1, height: 0,
        anchor: properties.anchor)
    case .alias(let name):
      try expandAlias(name, at: cursor.span(from: event.start, to: event.end))
    case .sequenceStart(let properties, let isFlow):
      try open(event, isMapping: false, isFlow: isFlow, properties: properties)
    case .mappingStart(let properties, let isFlow):
      try open(event, isMapping: true, isFlow: isFlow, properties: properties)
    case .sequenceEnd, .mappingEnd:
      try close(event)
    }
    return true
  }

  /// The tree, or every diagnostic recorded. Call after the last event.
  mutating func finish() -> Result<YAMLNode, DiagnosticError> {
    guard diagnostics.isEmpty else { return .failure(DiagnosticError(diagnostics)) }
    guard let root else {
      let blank = file.bytes.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
      return .failure(
        DiagnosticError(
          Diagnostic(
            .emptyDocument, at: cursor.span(from: 0, to: 0),
            blank ? "the file is empty" : "the file holds only comments"
          ).help("a spec is a YAML mapping that starts with `netspec: 1`")))
    }
    if case .scalar(let scalar) = root, scalar.style == .plain, scalar.value.isEmpty {
      // libyaml places the empty scalar where the next token starts; the `---` is clearer.
      return .failure(
        DiagnosticError(
          Diagnostic(.emptyDocument, at: firstDocument ?? scalar.span, "the document is empty")
            .help("a spec is a YAML mapping that starts with `netspec: 1`")))
    }
    return .success(root)
  }

  /// Records a diagnostic found outside the event stream (a libyaml error).
  mutating func record(_ diagnostic: Diagnostic) {
    diagnostics.append(diagnostic)
  }

  // MARK: - Collections

  private mutating func open(
    _ event: YAMLEvent, isMapping: Bool, isFlow: Bool, properties: YAMLEvent.NodeProperties
  ) throws(Stop) {
    let span = cursor.span(from: event.start, to: event.end)
    if stack.count >= limits.maxDepth {
      try stop(
        Diagnostic(
          .nestingTooDeep, at: span,
          "lists and mappings are nested more than \(limits.maxDepth) levels deep here"
        ).help("flatten the structure; a spec needs only a few levels of nesting"))
    }
    try checkTag(properties.tag, at: span)
    let before = nodeCount
    try count(1, at: span)
    stack.append(
      OpenCollection(
        isMapping: isMapping, isFlow: isFlow, startSpan: span, anchor: properties.anchor,
        nodeCountBefore: before))
  }

  private mutating func close(_ event: YAMLEvent) throws(Stop) {
    let collection = stack.removeLast()
    // A flow collection ends at its bracket. libyaml ends a block collection where
    // the next token starts (often lines later), so end it with its last child.
    let end =
      collection.isFlow
      ? cursor.location(ofOffset: event.end)
      : collection.children.last?.span.end ?? collection.startSpan.end
    let span = SourceSpan(file: file, start: collection.startSpan.start, end: end)
    let children =
      collection.isFlow
      ? FlowParentheses.rejoin(collection.children, isMapping: collection.isMapping, file: file)
      : collection.children
    let node: YAMLNode =
      collection.isMapping
      ? .mapping(try entries(of: children), span: span)
      : .sequence(children, span: span)
    try complete(
      node, nodes: nodeCount - collection.nodeCountBefore, height: collection.height,
      anchor: collection.anchor)
  }

  /// Adds a finished node to the open collection (or makes it the root) and
  /// registers its anchor.
  private mutating func complete(
    _ node: YAMLNode, nodes: Int, height: Int, anchor: String?
  ) throws(Stop) {
    if let anchor { anchors[anchor] = Anchored(node: node, nodes: nodes, height: height) }
    guard !stack.isEmpty else {
      root = node
      return
    }
    stack[stack.count - 1].children.append(node)
    stack[stack.count - 1].height = max(stack[stack.count - 1].height, height + 1)
  }

  // MARK: - Aliases

  private mutating func expandAlias(_ name: String, at span: SourceSpan) throws(Stop) {
    guard let anchored = anchors[name] else {
      if let enclosing = stack.last(where: { $0.anchor == name }) {
        try report(
          Diagnostic(.undefinedAlias, at: span, "alias `*\(name)` refers to a node that contains it")
            .label(enclosing.startSpan, "`&\(name)` is still being defined here")
            .help("YAML aliases cannot build recursive structures; write the content out instead"))
      } else {
        var diagnostic = Diagnostic(
          .undefinedAlias, at: span, "alias `*\(name)` names no anchor defined before it")
        if let suggestion = Suggestions.didYouMean(name, in: anchors.keys) {
          diagnostic = diagnostic.help(suggestion)
        } else {
          diagnostic = diagnostic.help("define the anchor first with `&\(name)` before a value")
        }
        try report(diagnostic)
      }
      // Stand in a null so the rest of the document can still be checked.
      try count(1, at: span)
      try complete(
        .scalar(YAMLScalar(value: "", style: .plain, span: span)), nodes: 1, height: 0, anchor: nil)
      return
    }
    if stack.count + anchored.height > limits.maxDepth {
      try stop(
        Diagnostic(
          .nestingTooDeep, at: span,
          "alias `*\(name)` expands to lists and mappings nested more than "
            + "\(limits.maxDepth) levels deep here"
        ).label(anchored.node.span, "`&\(name)` is defined here"))
    }
    try count(anchored.nodes, at: span, alias: (name, anchored.node.span))
    try complete(
      anchored.node.withSpan(span), nodes: anchored.nodes, height: anchored.height, anchor: nil)
  }

  /// Adds `nodes` to the document's node count and stops when it passes the limit.
  private mutating func count(
    _ nodes: Int, at span: SourceSpan, alias: (name: String, anchorSpan: SourceSpan)? = nil
  ) throws(Stop) {
    nodeCount += nodes
    guard nodeCount > limits.maxNodes else { return }
    if let alias {
      try stop(
        Diagnostic(
          .aliasExpansionLimit, at: span,
          "alias `*\(alias.name)` expands to \(nodes) nodes, taking the document past the limit of "
            + "\(limits.maxNodes) nodes"
        )
        .label(alias.anchorSpan, "`&\(alias.name)` is defined here")
        .note("aliases of aliases multiply in size (an \"alias bomb\")")
        .help("write the repeated part out, or use a block with `repeat`"))
    }
    try stop(
      Diagnostic(
        .fileTooLarge, at: span,
        "the document has more than \(limits.maxNodes) nodes (lists, mappings, keys and values)"
      ).help("a spec should be far smaller; keep data in separate files"))
  }

  // MARK: - Mappings

  /// The entries of a mapping from its alternating keys and values: rejects
  /// non-scalar and duplicate keys, and applies a `<<` merge key.
  private mutating func entries(of children: [YAMLNode]) throws(Stop) -> [YAMLEntry] {
    var entries: [YAMLEntry] = []
    var firstKeys: [String: YAMLScalar] = [:]
    var merge: (position: Int, sources: [[YAMLEntry]])?
    for keyIndex in Swift.stride(from: 0, to: children.count - 1, by: 2) {
      let value = children[keyIndex + 1]
      guard case .scalar(let key) = children[keyIndex] else {
        let keyNode = children[keyIndex]
        try report(
          Diagnostic(
            .complexKey, at: keyNode.span,
            "a mapping key must be a scalar, not \(keyNode.kindDescription)"
          ).help("write the key as a plain name such as `conv1`"))
        continue
      }
      if let first = firstKeys[key.value] {
        try report(
          Diagnostic(.duplicateKey, at: key.span, "duplicate key `\(Self.shown(key.value))`")
            .label(first.span, "first defined here")
            .help(
              key.isMergeKey
                ? "merge several mappings with one key: `<<: [*a, *b]`"
                : "a key may appear only once in a mapping; remove or rename one of them"))
        continue
      }
      firstKeys[key.value] = key
      if key.isMergeKey {
        merge = (entries.count, try mergeSources(value))
      } else {
        entries.append(YAMLEntry(key: key, value: value))
      }
    }
    guard let merge else { return entries }
    // Keys written in the mapping override merged ones; among several merged
    // mappings the first one listed wins.
    var taken = Set(entries.map(\.key.value))
    var merged: [YAMLEntry] = []
    for source in merge.sources {
      for entry in source where taken.insert(entry.key.value).inserted { merged.append(entry) }
    }
    entries.insert(contentsOf: merged, at: merge.position)
    return entries
  }

  /// The mappings a `<<` value merges: a mapping, or a list of mappings.
  private mutating func mergeSources(_ value: YAMLNode) throws(Stop) -> [[YAMLEntry]] {
    let items: [YAMLNode]
    switch value {
    case .mapping(let entries, _): return [entries]
    case .sequence(let list, _): items = list
    case .scalar: items = [value]
    }
    var sources: [[YAMLEntry]] = []
    for item in items {
      guard case .mapping(let entries, _) = item else {
        // Point at the item if it is written here, else at the alias that brought it.
        let isHere = item.span.start >= value.span.start && item.span.end <= value.span.end
        try report(
          Diagnostic(
            .yamlSyntax, at: isHere ? item.span : value.span,
            "the merge key `<<` takes a mapping or a list of mappings, not \(item.kindDescription)"
          )
          .label(isHere ? nil : item.span, "this is \(item.kindDescription)")
          .help("write `<<: *name`, where `&name` is the anchor of a mapping"))
        continue
      }
      sources.append(entries)
    }
    return sources
  }

  // MARK: - Helpers

  private mutating func checkTag(_ tag: String?, at span: SourceSpan) throws(Stop) {
    guard let tag else { return }
    let standard = "tag:yaml.org,2002:"
    let written = tag.hasPrefix(standard) ? "!!" + tag.dropFirst(standard.count) : tag
    try report(
      Diagnostic(.yamlSyntax, at: span, "tags are not supported in NetSpec specs (`\(written)`)")
        .help("remove the tag and write the value as a plain string, number, list or mapping"))
  }

  /// Records a diagnostic; stops once there are `maxDiagnostics` of them.
  private mutating func report(_ diagnostic: Diagnostic) throws(Stop) {
    diagnostics.append(diagnostic)
    guard diagnostics.count >= limits.maxDiagnostics else { return }
    diagnostics[diagnostics.count - 1] = diagnostic.note(
      "stopped after \(limits.maxDiagnostics) errors")
    throw Stop()
  }

  /// Records a diagnostic and stops.
  private mutating func stop(_ diagnostic: Diagnostic) throws(Stop) -> Never {
    diagnostics.append(diagnostic)
    throw Stop()
  }

  /// `end` moved back over the line breaks and spaces libyaml includes at the end
  /// of a block scalar, so its span ends with its text.
  private func trimmingTrailingWhitespace(_ start: Int, _ end: Int) -> Int {
    var end = min(end, file.bytes.count)
    while end > start, [0x20, 0x09, 0x0A, 0x0D].contains(file.bytes[end - 1]) { end -= 1 }
    return end
  }

  /// A key for a message, shortened if long.
  private static func shown(_ key: String) -> String {
    key.count > 40 ? key.prefix(40) + "…" : key
  }
}

extension YAMLScalar {
  /// A plain `<<`, YAML's merge key.
  var isMergeKey: Bool { style == .plain && value == "<<" }
}

extension YAMLNode {
  /// The node with a different outer span (an alias keeps its anchor's content).
  func withSpan(_ span: SourceSpan) -> YAMLNode {
    switch self {
    case .scalar(var scalar):
      scalar.span = span
      return .scalar(scalar)
    case .sequence(let items, _): return .sequence(items, span: span)
    case .mapping(let entries, _): return .mapping(entries, span: span)
    }
  }
}
