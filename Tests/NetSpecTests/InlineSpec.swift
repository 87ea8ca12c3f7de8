import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Spec text written in a test, checked as if it were the file at `path` (whose
/// folder its data files are read from): the one way suites load such text.
enum InlineSpec {
  /// `text` checked as the spec file at `path`; the test stops with the
  /// rendered diagnostics when it does not check.
  static func check(
    _ text: String, path: String = "t.yaml", options: FrontendOptions = FrontendOptions(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> CheckedSpec {
    var diagnostics = DiagnosticBag()
    let spec = Frontend.check(SourceFile(path: path, text: text), options: options, &diagnostics)
    return try #require(spec, "\(HumanRenderer().render(diagnostics.sorted))", sourceLocation: sourceLocation)
  }

  /// `spec`'s `data:` section loaded as `netspec train --seed SEED` loads it;
  /// the test stops with the rendered diagnostics when it does not load.
  static func data(
    of spec: CheckedSpec, seed: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> PreparedData {
    let section = try #require(spec.document.data, "the spec has no `data:` section", sourceLocation: sourceLocation)
    var diagnostics = DiagnosticBag()
    let data = DataPipeline.load(section, for: spec.graph, seed: seed, &diagnostics)
    return try #require(data, "\(HumanRenderer().render(diagnostics.sorted))", sourceLocation: sourceLocation)
  }

  /// `text` checked as the spec file at `path` and its data loaded with `seed`.
  static func load(
    _ text: String, path: String, seed: Int, options: FrontendOptions = FrontendOptions(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> (spec: CheckedSpec, data: PreparedData) {
    let spec = try check(text, path: path, options: options, sourceLocation: sourceLocation)
    return (spec, try data(of: spec, seed: seed, sourceLocation: sourceLocation))
  }
}
