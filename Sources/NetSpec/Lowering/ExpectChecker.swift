import NetSpecDiagnostics

/// Verifies `expect:` against the inferred graph: the parameter count, FLOPs
/// per sample, and the shapes of named values.
enum ExpectChecker {
  static func check(_ expect: ExpectSpec, graph: Graph, _ diagnostics: inout DiagnosticBag) {
    if let params = expect.params, params.value != graph.parameterCount {
      diagnostics.append(
        Diagnostic(.paramCountMismatch, at: params.span,
          "the model has \(graph.parameterCount) parameters, `expect.params` says \(params.value)")
          .note(largestLayers(graph))
          .help("if the change is intended, set `params: \(graph.parameterCount)`"))
    }
    if let flops = expect.flops {
      let perSample = graph.forwardFLOPs.evaluate(["N": 1])
      if perSample != flops.value {
        let actual = perSample.map(String.init) ?? "`\(graph.forwardFLOPs)` (it depends on more than the batch size)"
        diagnostics.append(
          Diagnostic(.paramCountMismatch, at: flops.span,
            "the model takes \(actual) FLOPs per sample, `expect.flops` says \(flops.value)")
            .help(perSample.map { "if the change is intended, set `flops: \($0)`" } ?? "remove `flops` or fix the sequence length"))
      }
    }
    for output in expect.outputs {
      guard let id = graph.value(named: output.name.name) else {
        var diagnostic = Diagnostic(.unknownOutput, at: output.name.span, "no layer or input named `\(output.name.name)`")
        if let suggestion = Suggestions.didYouMean(output.name.name, in: graph.values.map(\.name)) {
          diagnostic = diagnostic.help(suggestion)
        }
        diagnostics.append(diagnostic)
        continue
      }
      let value = graph.values[id]
      guard value.type.shape != output.shape else { continue }
      diagnostics.append(
        Diagnostic(.outputShapeMismatch, at: output.span,
          "`\(output.name.name)` has shape \(value.type.shape.shapeDescription), `expect` says \(output.shape.shapeDescription)")
          .label(value.span, "`\(output.name.name)` is defined here")
          .help("if the change is intended, write `\(output.name.name): \(value.type.shape.shapeDescription)`"))
    }
  }

  /// "largest layers: fc1 48,120; fc2 10,164; ..." to help find where a count went.
  private static func largestLayers(_ graph: Graph) -> String {
    let counts = graph.nodes.map { node in
      (node.name, node.parameters.reduce(0) { $0 + graph.parameters[$1.id].count })
    }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(3)
    return "largest layers: " + counts.map { "`\($0.0)` \($0.1)" }.joined(separator: ", ")
  }
}
