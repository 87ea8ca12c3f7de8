import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The seed specs of `specs/`, shrunk for tests as
/// `netspec --set name=value --no-expect` shrinks them: the one way every
/// suite reduces a published model to a size a debug build runs quickly.
enum SeedSpecs {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../specs").standardizedFileURL

  /// The spec files' names (`lenet5.yaml`, ...), sorted.
  static var files: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
  }

  static func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

  /// Front-end options for `--set` overrides (`name=value`); with any, the
  /// spec's `expect:` is not checked, since it pins the full-size model.
  static func options(set overrides: [String]) throws -> FrontendOptions {
    var options = FrontendOptions()
    for text in overrides {
      let (name, value) = try #require(Frontend.parseOverride(text), "bad override `\(text)`")
      options.overrides[name] = value
    }
    options.checksExpectations = overrides.isEmpty
    return options
  }

  /// The spec `file` of `specs/`, shrunk by `overrides` and checked.
  static func load(_ file: String, set overrides: [String] = []) throws -> CheckedSpec {
    var diagnostics = DiagnosticBag()
    let spec = Frontend.load(path: path(file), options: try options(set: overrides), &diagnostics)
    return try #require(spec, "\(file): \(HumanRenderer().render(diagnostics.sorted))")
  }
}
