import NetSpecDiagnostics

/// Layers with several outputs (`lstm`'s `output`, `h`, `c`; `split`'s `0`,
/// `1`, ...): their names in a scope, and the diagnostics for a reference to
/// an output a layer does not have.
extension Lowerer {
  /// The node that the layer `name` of `scope` lowered to, when it is an op
  /// rather than a block or a repeat.
  private func layerNode(_ name: String, _ flow: Flow, in scope: LoweringScope) -> NodeID? {
    guard case .value(let id) = flow, let nodeID = producer(of: id), graph.nodes[nodeID].name == scope.prefix + name
    else { return nil }
    return nodeID
  }

  /// The node producing `value`, if a node does.
  func producer(of value: ValueID) -> NodeID? {
    if case .activation(let id) = graph.values[value].role { return id }
    return nil
  }

  /// `layers`, `layers.1` for `layers.1.skip`: the layers, repeats and block
  /// instances a qualified reference passes through.
  func layerParts(of name: String) -> [String] {
    name.indices.filter { name[$0] == "." }.map { String(name[..<$0]) }
  }

  /// Names every output of a layer with several: `enc.h` and `enc.c` beside
  /// `enc` (and `enc.output`) for `lstm`, `gate.0` and `gate.1` for `split`,
  /// whose own name then names none of them; and a block instance's declared
  /// `outputs:` (`layers.3.skip`).
  func defineOutputs(of name: String, _ flow: Flow, at span: SourceSpan, in scope: inout LoweringScope) {
    if case .value = flow, let outputs = blockOutputs[scope.prefix + name] {
      for output in outputs {
        scope.locals["\(name).\(output.name)"] = output.value
        if scope.definitions["\(name).\(output.name)"] == nil { scope.definitions["\(name).\(output.name)"] = span }
      }
      return
    }
    guard let id = layerNode(name, flow, in: scope), graph.nodes[id].outputs.count > 1 else { return }
    let node = graph.nodes[id]
    let schema = type(of: node.op).schema
    for (i, value) in node.outputs.enumerated() {
      let local = "\(name).\(schema.outputName(i))"
      scope.locals[local] = value
      if scope.definitions[local] == nil { scope.definitions[local] = span }
    }
    if !schema.hasPrimaryOutput {
      scope.locals[name] = nil
      scope.severalOutputs[name] = id
    }
  }

  /// Reports a layer that reads, without `from:`, a layer with several
  /// outputs and no primary one: it must say which output it reads.
  func reportsImplicitRead(of value: ValueID, by layer: LayerDecl) -> Bool {
    guard let id = producer(of: value), graph.nodes[id].outputs.count > 1,
      !type(of: graph.nodes[id].op).schema.hasPrimaryOutput
    else { return false }
    let node = graph.nodes[id]
    diagnostics.append(
      Diagnostic(
        .unknownReference, at: layer.opSpan,
        "this layer reads `\(node.name)` (\(node.opName)), which has \(node.outputs.count) outputs"
      )
      .label(node.span, "`\(node.name)` is defined here")
      .help("say which one with `from:`, e.g. `from: \(graph.values[node.outputs[0]].name)`"))
    return true
  }

  /// The diagnostic for a reference to a layer with several outputs and no
  /// primary one (`gate`), or to an output a layer does not have (`enc.x`);
  /// nil for other unknown names.
  func outputReferenceDiagnostic(_ ref: Reference, scope: LoweringScope) -> Diagnostic? {
    if let id = scope.severalOutputs[ref.name] {
      let node = graph.nodes[id]
      let schema = type(of: node.op).schema
      let names = node.outputs.indices.map { "\(ref.name).\(schema.outputName($0))" }
      return Diagnostic(
        .unknownReference, at: ref.span, "`\(ref.name)` (\(node.opName)) has \(node.outputs.count) outputs: name one"
      )
      .label(node.span, "`\(ref.name)` is defined here")
      .help("its outputs are \(Suggestions.list(names))")
    }
    guard let dot = ref.name.lastIndex(of: ".") else { return nil }
    let (layer, output) = (String(ref.name[..<dot]), String(ref.name[ref.name.index(after: dot)...]))
    guard let id = scope.severalOutputs[layer] ?? scope.locals[layer].flatMap(producer(of:)),
      graph.nodes[id].name == scope.prefix + layer
    else { return nil }
    let node = graph.nodes[id]
    let schema = type(of: node.op).schema
    let outputs = node.outputs.indices.map { "\(layer).\(schema.outputName($0))" }
    let diagnostic = Diagnostic(
      .unknownReference, at: ref.span, "layer `\(layer)` (\(node.opName)) has no output `\(output)`"
    )
    .label(node.span, "`\(layer)` is defined here")
    guard node.outputs.count > 1 else { return diagnostic.help("it has one output: name it `\(layer)`") }
    let suggestion = schema.outputs.isEmpty ? nil : Suggestions.didYouMean(ref.name, in: outputs)
    return diagnostic.help(suggestion ?? "its outputs are \(Suggestions.list(outputs))")
  }
}
