// Golden tests for every diagnostic code.
//
// Each case in `Cases/` is a small spec, `<CODE>-<what>.yaml`, with its exact
// human rendering (`.txt`, no colour) and JSON rendering (`.json`) next to it.
// The spec is checked as if it were at `Cases/<name>.yaml`, so the golden text
// does not depend on the machine. A first line `# args: --set name=value` passes
// command-line overrides. A few inputs are generated in code instead
// (``GoldenGeneratedCase``: missing paths, directories, oversized files); their
// `.txt` and `.json` live in `Cases/` too.
//
// When a change to a message is intended, rewrite the golden files and review
// the diff:
//
//     NETSPEC_UPDATE_GOLDEN=1 swift test --filter Golden
//
// To add a case, write `Cases/<CODE>-<what>.yaml`, run the line above, check
// the new `.txt` and `.json`, and show the case in docs/DIAGNOSTICS.md.

import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecYAML
import Testing

@Suite("Golden diagnostics")
struct GoldenDiagnosticsTests {
  /// The case's diagnostics render exactly as its `.txt` and `.json` files say.
  @Test(arguments: Golden.cases)
  func rendering(_ goldenCase: GoldenCase) throws {
    let outcome = try goldenCase.run()
    Golden.compare(outcome.text, with: goldenCase.textURL)
    Golden.compare(outcome.json, with: goldenCase.jsonURL)
  }

  /// A new code without a golden case fails here.
  @Test func everyCodeHasAGoldenCase() {
    let covered = Set(Golden.cases.map(\.codeID))
    for code in DiagnosticCode.all {
      #expect(
        covered.contains(code.id),
        "no golden case for \(code.id) \(code.name): add Cases/\(code.id)-<what>.yaml")
    }
  }

  /// `NS0206-unknown-op` must report NS0206: a case tests the code it is named for.
  @Test(arguments: Golden.cases)
  func caseReportsItsCode(_ goldenCase: GoldenCase) throws {
    let code = try #require(
      DiagnosticCode.all.first { $0.id == goldenCase.codeID },
      "\(goldenCase.name) does not start with a published code")
    let name = goldenCase.name.dropFirst(goldenCase.codeID.count)
    #expect(name.hasPrefix("-") && name.count > 1, "name cases `<CODE>-<what>`")
    let reported = try goldenCase.run().diagnostics.map(\.code)
    #expect(reported.contains(code), "\(goldenCase.name) reports \(reported.map(\.id)), not \(code.id)")
  }

  /// Every `.txt` and `.json` in `Cases/` belongs to a case (no stale files).
  @Test func noStrayGoldenFiles() throws {
    let names = Set(Golden.cases.map(\.name))
    for file in try FileManager.default.contentsOfDirectory(atPath: Golden.casesDirectory.path) {
      let url = URL(fileURLWithPath: file)
      guard ["txt", "json"].contains(url.pathExtension) else { continue }
      #expect(names.contains(url.deletingPathExtension().lastPathComponent), "\(file) belongs to no case")
    }
  }

  /// docs/DIAGNOSTICS.md has a section `### NS0206 unknown-op` for every code.
  @Test func documentationCoversEveryCode() throws {
    let url = Golden.repositoryRoot.appendingPathComponent("docs/DIAGNOSTICS.md")
    let text = try String(contentsOf: url, encoding: .utf8)
    let headings = Set(text.split(separator: "\n").filter { $0.hasPrefix("### ") }.map { String($0.dropFirst(4)) })
    for code in DiagnosticCode.all {
      #expect(headings.contains("\(code.id) \(code.name)"), "docs/DIAGNOSTICS.md has no `### \(code.id) \(code.name)`")
    }
  }

  /// Each example in docs/DIAGNOSTICS.md marked `<!-- golden <file> -->` is the
  /// fenced block right after the marker, and equals `Cases/<file>`; when
  /// updating, the blocks are rewritten from the golden files.
  @Test func documentationExamplesAreGoldenFiles() throws {
    let url = Golden.repositoryRoot.appendingPathComponent("docs/DIAGNOSTICS.md")
    var lines = try String(contentsOf: url, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var index = 0
    var examples = 0
    while index < lines.count {
      defer { index += 1 }
      let line = lines[index]
      guard line.hasPrefix("<!-- golden "), line.hasSuffix(" -->") else { continue }
      let file = String(line.dropFirst("<!-- golden ".count).dropLast(" -->".count))
      let start = index + 2
      guard index + 1 < lines.count, lines[index + 1].hasPrefix("```"),
        let end = lines[start...].firstIndex(of: "```")
      else {
        Issue.record("docs/DIAGNOSTICS.md line \(index + 1): `\(line)` is not followed by a fenced block")
        continue
      }
      examples += 1
      let golden = try String(contentsOf: Golden.casesDirectory.appendingPathComponent(file), encoding: .utf8)
      var goldenLines = golden.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      if goldenLines.last == "" { goldenLines.removeLast() }
      if Golden.isUpdating {
        lines.replaceSubrange(start..<end, with: goldenLines)
        index = start + goldenLines.count
      } else if Array(lines[start..<end]) != goldenLines {
        let message =
          "docs/DIAGNOSTICS.md line \(start + 1): the example differs from Cases/\(file); "
          + "rewrite it with `NETSPEC_UPDATE_GOLDEN=1 swift test --filter Golden`"
        Issue.record(Comment(rawValue: message))
      }
    }
    #expect(examples >= DiagnosticCode.all.count, "every code shows at least one golden example")
    if Golden.isUpdating {
      try Data(lines.joined(separator: "\n").utf8).write(to: url)
    }
  }

  /// Each case holds one mistake, so it should produce one diagnostic (principle 1:
  /// no cascades). Cases of NS0004 hold more mistakes than their error limit, to
  /// show the note that stands for the rest.
  @Test(arguments: Golden.cases.filter { $0.codeID != DiagnosticCode.tooManyErrors.id })
  func oneMistakeOneDiagnostic(_ goldenCase: GoldenCase) throws {
    let diagnostics = try goldenCase.run().diagnostics
    #expect(
      diagnostics.count == 1,
      "\(goldenCase.name): \(diagnostics.map { "\($0.code.id) \($0.message)" })")
  }

  /// Every diagnostic points at the YAML that caused it (principle 1), except
  /// those about a file as a whole.
  @Test(arguments: Golden.cases)
  func everyDiagnosticHasASpan(_ goldenCase: GoldenCase) throws {
    let wholeFile: Set<String> = [
      "NS0001-no-such-file", "NS0001-directory", "NS0002-file-over-limit", "NS0002-text-over-limit",
      "NS0750-malformed-model", "NS0751-unsupported-op",
    ]
    guard !wholeFile.contains(goldenCase.name) else { return }
    for diagnostic in try goldenCase.run().diagnostics {
      #expect(diagnostic.span != nil, "\(diagnostic.code.id) `\(diagnostic.message)` has no span")
      #expect(diagnostic.path != nil, "\(diagnostic.code.id) `\(diagnostic.message)` names no file")
    }
  }

  /// An empty spec file on disk is an empty document (NS0109), like empty text;
  /// `netspec check empty.yaml` reports it as unreadable (NS0001, exit code 2).
  @Test func emptyFileOnDiskIsAnEmptyDocument() throws {
    let folder = try Golden.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("empty.yaml")
    #expect(FileManager.default.createFile(atPath: url.path, contents: Data()))
    var bag = DiagnosticBag()
    _ = Frontend.load(path: url.path, &bag)
    #expect(bag.diagnostics.map(\.code) == [.emptyDocument])
  }
}
