import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Runs the front end over spec text; returns the graph (nil on errors) and all
/// diagnostics.
func lower(_ yaml: String, overrides: [String: SpecValue.Kind] = [:]) -> (Graph?, [Diagnostic]) {
  var options = FrontendOptions()
  options.overrides = overrides
  var bag = DiagnosticBag()
  let spec = Frontend.check(SourceFile(path: "t.yaml", text: yaml), options: options, &bag)
  return (spec?.graph, bag.sorted)
}

/// A spec with the given input line and layers.
func spec(inputs: String = "x: [N, 64]", _ layers: String, extra: String = "") -> String {
  "netspec: 1\ninputs: {\(inputs)}\n\(extra)layers:\n" + layers
}

/// `line:column` of a diagnostic's primary span.
func position(_ d: Diagnostic) -> String {
  guard let span = d.span else { return "-" }
  return "\(span.start.line):\(span.start.column)"
}
