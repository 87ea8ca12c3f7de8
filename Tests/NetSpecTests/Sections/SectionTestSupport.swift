import Foundation
import NetSpecDiagnostics
import NetSpecYAML
import Testing

@testable import NetSpec

/// The result of decoding one section of a YAML text.
struct DecodedSection<Value> {
  var value: Value?
  var diagnostics: [Diagnostic]
  var file: SourceFile

  /// `code-name line:column` of each diagnostic, in source order.
  var summary: [String] {
    diagnostics.map { "\($0.code.name) \($0.span.map { "\($0.start)" } ?? "-")" }
  }

  /// The source text under a diagnostic's primary span.
  func text(at diagnostic: Diagnostic) -> String? {
    diagnostic.span.map { String(decoding: file.bytes[$0.start.offset..<$0.end.offset], as: UTF8.self) }
  }
}

/// Parses `text` as a spec file at `path` and decodes the value of its
/// top-level key `key` (which must be present) with `decode`.
func decodeSection<Value>(
  _ key: String, _ text: String, path: String = "spec.yaml", variables: [String: SpecValue.Kind] = [:],
  _ decode: (YAMLNode, ValueResolver, inout DiagnosticBag) -> Value?
) throws -> DecodedSection<Value> {
  let file = SourceFile(path: path, text: text)
  let root = try YAMLParser.parse(file).get()
  guard case .mapping(let entries, _) = root, let entry = entries.first(where: { $0.key.value == key }) else {
    Issue.record("no `\(key)` in the test YAML")
    throw CancellationError()
  }
  var diagnostics = DiagnosticBag()
  let value = decode(entry.value, ValueResolver(variables: variables), &diagnostics)
  return DecodedSection(value: value, diagnostics: diagnostics.sorted, file: file)
}

/// One expected diagnostic in an error table: its code, the exact source text
/// under its caret, and a fragment of its message or help lines.
struct SectionErrorCase: Sendable, CustomTestStringConvertible {
  var yaml: String
  var code: DiagnosticCode
  var at: String
  var mentions: String

  init(_ yaml: String, _ code: DiagnosticCode, at: String, _ mentions: String) {
    self.yaml = yaml
    self.code = code
    self.at = at
    self.mentions = mentions
  }

  var testDescription: String { yaml }

  /// Checks that decoding reported exactly one diagnostic, the expected one.
  func check<Value>(_ decoded: DecodedSection<Value>, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(decoded.diagnostics.count == 1, "\(decoded.summary)", sourceLocation: sourceLocation)
    guard let diagnostic = decoded.diagnostics.first else { return }
    #expect(
      diagnostic.code == code, "got \(diagnostic.code.name): \(diagnostic.message)", sourceLocation: sourceLocation)
    #expect(decoded.text(at: diagnostic) == at, sourceLocation: sourceLocation)
    let text = ([diagnostic.message] + diagnostic.helps).joined(separator: "\n")
    #expect(text.contains(mentions), "\(text)", sourceLocation: sourceLocation)
  }
}

/// A folder with `specs/` (where the test spec "is") and `data/` holding empty
/// data files, so that paths like `../data/train.csv` resolve.
let sectionFixture: URL = {
  let root = FileManager.default.temporaryDirectory
    .appendingPathComponent("netspec-data-\(ProcessInfo.processInfo.processIdentifier)")
  let data = root.appendingPathComponent("data")
  try? FileManager.default.createDirectory(
    at: data.appendingPathComponent("folder"), withIntermediateDirectories: true)
  try? FileManager.default.createDirectory(
    at: root.appendingPathComponent("specs"), withIntermediateDirectories: true)
  for name in ["train.csv", "test.csv", "mnist_5k.csv.gz", "x.npy", "y.npy", "images.gz", "labels.gz"] {
    _ = FileManager.default.createFile(atPath: data.appendingPathComponent(name).path, contents: Data())
  }
  return root.standardizedFileURL
}()

/// Where test specs that name data files "are": `sectionFixture/specs/spec.yaml`.
let sectionSpecPath = sectionFixture.appendingPathComponent("specs/spec.yaml").path

/// The absolute path of `sectionFixture/data/<name>`.
func dataFile(_ name: String) -> String {
  sectionFixture.appendingPathComponent("data/\(name)").path
}
