import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The specs of `Examples/`, as the example tests load them.
enum ExampleSpec {
  /// The path of `Examples/<file>`.
  static func path(_ file: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../Examples/\(file)").standardizedFileURL.path
  }

  /// The spec at `path` checked with `--set` overrides; the test fails with the
  /// rendered diagnostics when it does not check.
  static func load(_ path: String, set overrides: [String]) throws -> CheckedSpec {
    var diagnostics = DiagnosticBag()
    let spec = Frontend.load(path: path, options: try SeedSpecs.options(set: overrides), &diagnostics)
    return try #require(spec, "\(HumanRenderer().render(diagnostics.sorted))")
  }
}
