import Foundation
import NetSpecDiagnostics
import Testing

/// `--color`, `NO_COLOR`, `netspec version` and the SARIF log of `check`, run
/// through the built executable. Output goes to files, so `auto` means no
/// colour here; `ColorChoiceTests` covers the decision for a terminal.
@Suite("Terminal conventions", .serialized)
struct TerminalConventionTests {
  static let escape = "\u{1B}["

  @Test func colorAlwaysColoursDiagnosticsIntoAFile() throws {
    let run = try CLIFixtures.folder.get().run(["check", "bad.yaml", "--color", "always"])
    #expect(run.status == 1)
    #expect(run.stderr.contains(Self.escape), "\(run)")
  }

  @Test(arguments: [["--color", "never"], ["--color", "auto"], []])
  func otherChoicesDoNotColourAFile(_ flags: [String]) throws {
    let run = try CLIFixtures.folder.get().run(["check", "bad.yaml"] + flags)
    #expect(run.status == 1)
    #expect(run.stderr.contains("error[NS0206]"))
    #expect(!run.stderr.contains(Self.escape), "\(run)")
  }

  @Test func theFlagOverridesNoColor() throws {
    let folder = try CLIFixtures.folder.get()
    let forced = try folder.run(["check", "bad.yaml", "--color", "always"], environment: ["NO_COLOR": "1"])
    #expect(forced.stderr.contains(Self.escape))
    let dumb = try folder.run(["summary", "bad.yaml"], environment: ["NO_COLOR": "1", "TERM": "dumb"])
    #expect(dumb.status == 1)
    #expect(!dumb.stderr.contains(Self.escape))
  }

  @Test(arguments: ["check", "summary", "graph", "plan", "train", "eval", "predict", "compile"])
  func everySpecCommandTakesColor(_ command: String) throws {
    let run = try CLIFixtures.folder.get().run([command, "--help"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("--color <when>"), "\(run.stdout)")
  }

  @Test func aBadColorIsAUsageError() throws {
    let run = try CLIFixtures.folder.get().run("check", "tiny.yaml", "--color", "sometimes")
    #expect(run.status == 2)
  }

  @Test func versionSubcommandMatchesTheFlag() throws {
    let folder = try CLIFixtures.folder.get()
    let subcommand = try folder.run("version")
    let flag = try folder.run("--version")
    #expect(subcommand.status == 0)
    #expect(subcommand.stdout == flag.stdout)
    #expect(subcommand.stdout.split(separator: ".").count == 3, "\(subcommand.stdout)")
  }

  @Test func sarifCarriesVersionHelpLinksAndFixes() throws {
    let folder = try CLIFixtures.folder.get()
    let version = try folder.run("version").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let run = try folder.run("check", "lint.yaml", "--format", "sarif", "--help-base", "https://x.test/D.md")
    let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let sarifRun = try #require((log["runs"] as? [[String: Any]])?.first)
    let driver = try #require((sarifRun["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["version"] as? String == version)
    let rules = try #require(driver["rules"] as? [[String: Any]])
    #expect(rules.first?["helpUri"] as? String == "https://x.test/D.md#ns0001-unreadable-file")
    let result = try #require((sarifRun["results"] as? [[String: Any]])?.first)
    #expect(result["ruleId"] as? String == "NS0604")
    let fixes = try #require(result["fixes"] as? [[String: Any]])
    #expect(fixes.count == 1)
  }

  @Test func completionOffersSpecFilesAndOpNames() throws {
    let run = try CLIFixtures.folder.get().run("--generate-completion-script", "bash")
    #expect(run.status == 0)
    #expect(run.stdout.contains("yaml|yml"))
    #expect(run.stdout.contains("'conv2d'"))
    #expect(run.stdout.contains("version"))
  }

  /// Every code's `helpUri` anchor is a heading of docs/DIAGNOSTICS.md.
  @Test func helpAnchorsExistInTheDiagnosticsReference() throws {
    let url = Golden.repositoryRoot.appendingPathComponent("docs/DIAGNOSTICS.md")
    let headings = Set(
      try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        .filter { $0.hasPrefix("### NS") }
        .map { $0.dropFirst(4).lowercased().replacingOccurrences(of: " ", with: "-") })
    for code in DiagnosticCode.all {
      #expect(headings.contains(code.documentationAnchor), "no heading for \(code.id)")
    }
  }
}
