import Foundation
import Testing

/// `--dim NAME=SIZE` binds a shape symbol on every command that takes sizes,
/// and `--bind` is its alias there.
@Suite("--dim and --bind", .serialized)
struct DimOptionTests {
  @Test(arguments: ["check", "summary", "plan", "compile"], ["--dim", "--bind"])
  func eachCommandTakesBothSpellings(command: String, flag: String) throws {
    let folder = try CLIFixtures.folder.get()
    let output = command == "compile" ? ["-o", "out-dim-\(flag.dropFirst(2))"] : []
    let run = try folder.run([command, "positions.yaml", flag, "T=5"] + output)
    #expect(run.status == 1, "\(run)")
    #expect(run.stderr.contains("max_length is 4"), "\(run)")
    #expect(run.stderr.contains("positions.yaml:"), "\(run)")
  }

  @Test(arguments: ["--dim", "--bind"])
  func aSizeThatFitsIsAccepted(flag: String) throws {
    let folder = try CLIFixtures.folder.get()
    let check = try folder.run("check", "positions.yaml", flag, "T=4")
    #expect(check.status == 0, "\(check)")
    let summary = try folder.run("summary", "positions.yaml", flag, "T=4")
    #expect(summary.status == 0 && summary.stdout.contains("T=4"), "\(summary)")
  }

  @Test(arguments: ["check", "summary", "plan", "compile"])
  func anUnknownSymbolIsAUsageError(command: String) throws {
    let folder = try CLIFixtures.folder.get()
    let run = try folder.run(
      [command, "positions.yaml", "--bind", "Q=5", "-o", "out-q"].prefix(command == "compile" ? 6 : 4).map { $0 })
    #expect(run.status == 2, "\(run)")
    #expect(run.stderr.contains("names no shape symbol"), "\(run)")
  }
}
