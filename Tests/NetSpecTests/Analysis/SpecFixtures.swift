import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Checks `yaml` as a spec file `t.yaml`, recording an issue with the rendered
/// diagnostics when it is invalid.
func checkedSpec(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> CheckedSpec? {
  var diagnostics = DiagnosticBag()
  let spec = Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics)
  if spec == nil || diagnostics.hasErrors {
    Issue.record(
      "the spec is invalid:\n\(HumanRenderer(colored: false).render(diagnostics.sorted))",
      sourceLocation: sourceLocation)
  }
  return spec
}

/// The minimal spec of the summary examples: 64 features -> 32 (relu) -> 10.
let mlpSpec = """
  netspec: 1
  name: mlp
  inputs: {x: [N, 64]}
  layers:
    - dense: {units: 32, activation: relu}
    - dense: 10

  """
