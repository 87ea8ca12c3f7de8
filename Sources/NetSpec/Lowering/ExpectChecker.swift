import NetSpecDiagnostics

/// Verifies `expect:` against the inferred graph: the trainable parameter
/// count, FLOPs per sample, and the shapes of named values.
struct ExpectChecker {
  let graph: Graph
  /// What a top-level name means, as `from:` reads it: inputs, layers, the
  /// last output of a repeated layer or of a block instance.
  let names: [String: ValueID]

  func check(_ expect: ExpectSpec, _ diagnostics: inout DiagnosticBag) {
    let trainable = graph.trainableParameterCount
    if let params = expect.params, params.value != trainable {
      let frozen = graph.parameterCount - trainable
      var diagnostic = Diagnostic(
        .paramCountMismatch, at: params.span,
        "the model has \(trainable) trainable parameters, `expect.params` says \(params.value)"
      )
      .note(largestLayers())
      if frozen > 0 { diagnostic = diagnostic.note("\(frozen) frozen parameters (`trainable: false`) are not counted") }
      diagnostics.append(diagnostic.help("if the change is intended, set `params: \(trainable)`"))
    }
    if let flops = expect.flops {
      let perSample = graph.forwardFLOPs.evaluate(["N": 1])
      if perSample != flops.value {
        let actual = perSample.map(String.init) ?? "`\(graph.forwardFLOPs)` (it depends on more than the batch size)"
        diagnostics.append(
          Diagnostic(
            .paramCountMismatch, at: flops.span,
            "the model takes \(actual) FLOPs per sample, `expect.flops` says \(flops.value)"
          )
          .help(
            perSample.map { "if the change is intended, set `flops: \($0)`" }
              ?? "remove `flops` or fix the sequence length"))
      }
    }
    for output in expect.outputs { checkShape(output, &diagnostics) }
    for layer in expect.layers { checkLayer(layer, &diagnostics) }
  }

  private func checkLayer(_ layer: ExpectedLayer, _ diagnostics: inout DiagnosticBag) {
    if let output = layer.output { checkShape(output, &diagnostics) }
    guard layer.params != nil || layer.flops != nil else { return }
    let nodes = graph.nodes.filter { $0.name == layer.name.name || $0.name.hasPrefix(layer.name.name + ".") }
    guard !nodes.isEmpty else {
      reportUnknown(layer.name, &diagnostics)
      return
    }
    if let params = layer.params {
      let owned = Set(nodes.flatMap { $0.parameters.map(\.id) }).filter { !graph.parameters[$0].isBuffer }
      let count = owned.reduce(0) { $0 + graph.parameters[$1].count }
      if count != params.value {
        diagnostics.append(
          Diagnostic(
            .paramCountMismatch, at: params.span,
            "`\(layer.name.name)` has \(count) parameters, `expect` says \(params.value)"
          )
          .label(nodes[0].span, "`\(layer.name.name)` is defined here")
          .help("if the change is intended, set `params: \(count)`"))
      }
    }
    if let flops = layer.flops {
      let total = nodes.reduce(Dim(0)) { $0.adding($1.flops) ?? $0 }
      let perSample = total.evaluate(["N": 1])
      if perSample != flops.value {
        diagnostics.append(
          Diagnostic(
            .paramCountMismatch, at: flops.span,
            "`\(layer.name.name)` takes \(perSample.map(String.init) ?? "`\(total)`") FLOPs per sample, `expect` says \(flops.value)"
          )
          .label(nodes[0].span, "`\(layer.name.name)` is defined here"))
      }
    }
  }

  private func reportUnknown(_ name: Reference, _ diagnostics: inout DiagnosticBag) {
    var diagnostic = Diagnostic(.unknownOutput, at: name.span, "no layer or input named `\(name.name)`")
    if let suggestion = Suggestions.didYouMean(name.name, in: graph.values.map(\.name) + names.keys) {
      diagnostic = diagnostic.help(suggestion)
    }
    diagnostics.append(diagnostic)
  }

  private func checkShape(_ output: ExpectedOutput, _ diagnostics: inout DiagnosticBag) {
    guard let id = names[output.name.name] ?? graph.value(named: output.name.name) else {
      reportUnknown(output.name, &diagnostics)
      return
    }
    let value = graph.values[id]
    guard value.type.shape != output.shape else { return }
    diagnostics.append(
      Diagnostic(
        .outputShapeMismatch, at: output.span,
        "`\(output.name.name)` has shape \(value.type.shape.shapeDescription), `expect` says \(output.shape.shapeDescription)"
      )
      .label(value.span, "`\(output.name.name)` is defined here")
      .help("if the change is intended, write `\(output.name.name): \(value.type.shape.shapeDescription)`"))
  }

  /// "largest layers: fc1 48,120; fc2 10,164; ..." to help find where a count
  /// went: each layer's own trainable parameters, so a tied weight is counted
  /// once, at the layer that defines it, as in the total.
  private func largestLayers() -> String {
    let counts = graph.nodes.enumerated().map { id, node in
      let owned = node.parameters.map { graph.parameters[$0.id] }.filter { $0.owner == id && $0.trainable }
      return (node.name, owned.reduce(0) { $0 + $1.count })
    }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(3)
    return "largest layers: " + counts.map { "`\($0.0)` \($0.1)" }.joined(separator: ", ")
  }
}
