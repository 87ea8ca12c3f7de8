import NetSpecDiagnostics

/// Verifies `expect:` against the inferred graph: the parameter count, FLOPs
/// per sample, and the shapes of named values.
enum ExpectChecker {
  static func check(_ expect: ExpectSpec, graph: Graph, _ diagnostics: inout DiagnosticBag) {
    if let params = expect.params, params.value != graph.parameterCount {
      diagnostics.append(
        Diagnostic(
          .paramCountMismatch, at: params.span,
          "the model has \(graph.parameterCount) parameters, `expect.params` says \(params.value)"
        )
        .note(largestLayers(graph))
        .help("if the change is intended, set `params: \(graph.parameterCount)`"))
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
    for output in expect.outputs { checkShape(output, graph: graph, &diagnostics) }
    for layer in expect.layers { checkLayer(layer, graph: graph, &diagnostics) }
  }

  private static func checkLayer(_ layer: ExpectedLayer, graph: Graph, _ diagnostics: inout DiagnosticBag) {
    if let output = layer.output { checkShape(output, graph: graph, &diagnostics) }
    guard layer.params != nil || layer.flops != nil else { return }
    let nodes = graph.nodes.filter { $0.name == layer.name.name || $0.name.hasPrefix(layer.name.name + ".") }
    guard !nodes.isEmpty else {
      reportUnknown(layer.name, graph: graph, &diagnostics)
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

  private static func reportUnknown(_ name: Reference, graph: Graph, _ diagnostics: inout DiagnosticBag) {
    var diagnostic = Diagnostic(.unknownOutput, at: name.span, "no layer or input named `\(name.name)`")
    if let suggestion = Suggestions.didYouMean(name.name, in: graph.values.map(\.name)) {
      diagnostic = diagnostic.help(suggestion)
    }
    diagnostics.append(diagnostic)
  }

  private static func checkShape(_ output: ExpectedOutput, graph: Graph, _ diagnostics: inout DiagnosticBag) {
    guard let id = graph.value(named: output.name.name) else {
      reportUnknown(output.name, graph: graph, &diagnostics)
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

  /// "largest layers: fc1 48,120; fc2 10,164; ..." to help find where a count went.
  private static func largestLayers(_ graph: Graph) -> String {
    let counts = graph.nodes.map { node in
      (node.name, node.parameters.reduce(0) { $0 + graph.parameters[$1.id].count })
    }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(3)
    return "largest layers: " + counts.map { "`\($0.0)` \($0.1)" }.joined(separator: ", ")
  }
}
