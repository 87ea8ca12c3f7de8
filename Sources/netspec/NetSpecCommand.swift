import ArgumentParser
import Foundation

/// `netspec`: validate, summarize, train and compile neural-network specs.
@main
struct NetSpecCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "netspec",
    abstract: "Validate, summarize, train and compile neural-network specs written in YAML.",
    discussion: """
      Exit codes: 0 success, 1 the spec (or data) is invalid, 2 a usage error or an \
      unreadable file.
      """,
    version: version,
    subcommands: [
      Check.self, Summary.self, GraphCommand.self, PlanCommand.self, Schema.self, Ops.self, Train.self, Evaluate.self,
      Predict.self, Compile.self, Export.self, Import.self, Version.self,
    ]
  )

  /// The release `--version`, `netspec version` and SARIF logs report.
  static let version = "0.1.0"

  /// Runs the command, mapping usage errors to exit code 2 (ArgumentParser's
  /// default is 64).
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let exit as ExitCode {
      Foundation.exit(exit.rawValue)
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(2)
      }
      self.exit(withError: error)
    }
  }
}
