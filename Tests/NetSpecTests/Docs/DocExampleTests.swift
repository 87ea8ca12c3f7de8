import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// Every YAML block in the README and in docs/ is checked, so the docs cannot
/// drift from the language. The line before each ```` ```yaml ```` fence says
/// what the block is and what checking it must give:
///
/// - `<!-- check: exit N -->`: a whole spec; `netspec check` exits with `N`
///   (0 valid, 1 invalid). `<!-- check: exit 1 NS0401 -->` also names the
///   codes it must report.
/// - `<!-- check: lines in train -->` (or `data`): each line is one setting of
///   that section, shown as alternatives; each is checked in a small valid spec
///   (``DocExample/base``) and must give exit 0.
/// - `<!-- check: yaml -->`: YAML that is not a spec (a CI workflow); it must
///   parse.
/// - `<!-- golden FILE -->`: a diagnostic example, which
///   `GoldenDiagnosticsTests` compares with its golden case.
///
/// A console block marked `<!-- output of: netspec check FILE -->` must equal
/// what `netspec check FILE` prints (without colour and the summary line).
@Suite struct DocExampleTests {
  @Test(arguments: DocExample.all)
  func docExampleChecksAsStated(_ example: DocExample) throws {
    switch example.expectation {
    case .spec(let exit, let codes):
      let bag = example.check(example.text)
      let errors = bag.sorted.filter { $0.severity == .error }
      #expect(
        (errors.isEmpty ? 0 : 1) == exit,
        "\(example): expected exit \(exit), got \(errors.map { "\($0.code.id) \($0.message)" })")
      for code in codes {
        #expect(bag.sorted.contains { $0.code.id == code }, "\(example): expected \(code)")
      }
    case .lines(let section):
      for line in example.text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
        let spec = DocExample.base(with: String(line), in: section)
        let errors = example.check(spec).sorted.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(example): `\(line)`: \(errors.map { "\($0.code.id) \($0.message)" })")
      }
    case .yaml:
      let file = SourceFile(path: example.description, text: example.text)
      if case .failure(let error) = YAMLParser.parse(file, limits: .default) {
        Issue.record("\(example): not valid YAML: \(error)")
      }
    case .golden:
      break  // GoldenDiagnosticsTests.documentationExamplesAreGoldenFiles
    case .unmarked(let line):
      Issue.record(
        "\(example): the line before the block is `\(line)`; say what the block is (see DocExampleTests)")
    }
  }

  /// The README's console example is what `netspec check` prints for the file it names.
  @Test func consoleExamplesAreRealOutput() throws {
    var found = 0
    for document in DocExample.documents {
      let lines = try DocExample.lines(of: document)
      for (index, line) in lines.enumerated() where line.hasPrefix("<!-- output of: netspec check ") {
        found += 1
        let path = String(line.dropFirst("<!-- output of: netspec check ".count).dropLast(" -->".count))
        guard index + 2 < lines.count, let end = lines[(index + 2)...].firstIndex(of: "```") else {
          Issue.record("\(document):\(index + 1): no fenced block after the marker")
          continue
        }
        let shown = Array(lines[(index + 2)..<end])
        #expect(shown.first == "$ netspec check \(path)", "\(document):\(index + 3): the block starts with the command")
        var bag = DiagnosticBag()
        let url = Golden.repositoryRoot.appendingPathComponent(path)
        _ = Frontend.check(SourceFile(path: path, bytes: [UInt8](try Data(contentsOf: url))), &bag)
        let rendered = HumanRenderer(colored: false).render(bag.sorted)
          .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expected = rendered.last == "" ? Array(rendered.dropLast()) : rendered
        #expect(
          Array(shown.dropFirst()) == expected, "\(document):\(index + 3): the shown output is not what check prints")
      }
    }
    #expect(found > 0, "the README shows at least one console example")
  }
}

/// One ```` ```yaml ```` block of a Markdown document.
struct DocExample: CustomStringConvertible, Sendable {
  enum Expectation: Sendable {
    case spec(exit: Int, codes: [String])
    case lines(section: String)
    case yaml
    case golden
    case unmarked(String)
  }

  var document: String
  /// 1-based line of the opening fence.
  var line: Int
  var text: String
  var expectation: Expectation

  var description: String { "\(document):\(line)" }

  /// Checks `text` as a spec file beside the document (so relative data paths
  /// resolve as they would for a reader who saves the block there).
  func check(_ text: String) -> DiagnosticBag {
    var bag = DiagnosticBag()
    let folder = (document as NSString).deletingLastPathComponent
    let path = Golden.repositoryRoot.appendingPathComponent(folder).appendingPathComponent("example.yaml").path
    _ = Frontend.check(SourceFile(path: path, text: text), &bag)
    return bag
  }

  /// A valid spec with `line` added to its `section` (`train` or `data`),
  /// replacing the setting of the same key.
  static func base(with line: String, in section: String) -> String {
    let key = line.split(separator: ":", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    // Image inputs, so that augmentations apply; `check` does not read the data
    // file, so the sizes need not match it.
    var train = ["loss: cross_entropy", "optimizer: adam", "epochs: 10"]
    var data = ["train: {csv: ../Examples/data/digits.csv.gz, label: last, reshape: [3, 32, 32]}"]
    func replace(_ settings: inout [String]) {
      settings.removeAll { $0.hasPrefix(key + ":") }
      settings.append(line.trimmingCharacters(in: .whitespaces))
    }
    if section == "train" { replace(&train) } else { replace(&data) }
    return """
      netspec: 1
      inputs:
        image: [N, 3, 32, 32]
      layers:
        - flatten
        - dense: {units: 10, name: logits}
      train:
      \(train.map { "  " + $0 }.joined(separator: "\n"))
      data:
      \(data.map { "  " + $0 }.joined(separator: "\n"))

      """
  }

  /// The Markdown files whose examples are checked, relative to the repository root.
  static let documents: [String] = {
    let docs =
      (try? FileManager.default.contentsOfDirectory(
        atPath: Golden.repositoryRoot.appendingPathComponent("docs").path)) ?? []
    return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
  }()

  static func lines(of document: String) throws -> [String] {
    let url = Golden.repositoryRoot.appendingPathComponent(document)
    return try String(contentsOf: url, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  static let all: [DocExample] = {
    var examples: [DocExample] = []
    for document in documents {
      guard let lines = try? lines(of: document) else { continue }
      var index = 0
      while index < lines.count {
        defer { index += 1 }
        guard lines[index] == "```yaml", let end = lines[(index + 1)...].firstIndex(of: "```") else { continue }
        let marker = index > 0 ? lines[index - 1] : ""
        let text = lines[(index + 1)..<end].joined(separator: "\n") + "\n"
        examples.append(DocExample(document: document, line: index + 1, text: text, expectation: parse(marker)))
        index = end
      }
    }
    return examples
  }()

  static func parse(_ marker: String) -> Expectation {
    guard marker.hasSuffix(" -->") else { return .unmarked(marker) }
    if marker.hasPrefix("<!-- golden ") { return .golden }
    guard marker.hasPrefix("<!-- check: ") else { return .unmarked(marker) }
    let words = marker.dropFirst("<!-- check: ".count).dropLast(" -->".count).split(separator: " ").map(String.init)
    switch words.first {
    case "exit" where words.count >= 2:
      guard let exit = Int(words[1]) else { return .unmarked(marker) }
      return .spec(exit: exit, codes: Array(words.dropFirst(2)))
    case "lines" where words.count == 3 && words[1] == "in" && ["train", "data"].contains(words[2]):
      return .lines(section: words[2])
    case "yaml" where words.count == 1:
      return .yaml
    default:
      return .unmarked(marker)
    }
  }
}
