import Foundation
import Testing

/// `netspec graph`: formats, `--expand` names, and the SVG rendered by
/// Graphviz where its `dot` is installed (`.ci/run` installs it).
@Suite("netspec graph")
struct GraphCLITests {
  static let hasGraphviz = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/dot")
  }

  @Test(.enabled(if: hasGraphviz, "Graphviz's `dot` is not on PATH: apt-get install graphviz"))
  func svgOfACollapsedGraph() throws {
    let folder = try CLIFolder()
    let spec = try folder.write("small.yaml", smallRepeatSpec)
    let run = try folder.run("graph", spec, "--format", "svg")
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("<svg"))
    #expect(run.stdout.contains("stage.0 (mlp)"))
  }

  @Test func mermaidWithOneInstanceOpen() throws {
    let folder = try CLIFolder()
    let spec = try folder.write("small.yaml", smallRepeatSpec)
    let run = try folder.run("graph", spec, "--format", "mermaid", "--expand", "stage.1")
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.hasPrefix("flowchart TD\n"))
    #expect(run.stdout.contains(#"b0[["stage.0 (mlp)"#))
    #expect(run.stdout.contains(#"subgraph c1["stage.1 (mlp)"]"#))
  }

  @Test func unknownExpandNameIsAUsageError() throws {
    let folder = try CLIFolder()
    let spec = try folder.write("small.yaml", smallRepeatSpec)
    let run = try folder.run("graph", spec, "--expand", "stag", "--expand", "stage.0")
    #expect(run.status == 2, "\(run)")
    #expect(run.stderr.contains("error: --expand `stag`: no block instance, repeat or layer of small.yaml is named so"))
    #expect(run.stderr.contains("help: did you mean `stage`?"))
    #expect(run.stdout.isEmpty)
  }
}
