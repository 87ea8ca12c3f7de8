import ArgumentParser
import NetSpec

extension Export {
  /// `--format pytorch`.
  func exportPyTorch(_ checked: CheckedSpec) throws {
    Console.printError("error: --format pytorch is not available in this build\n")
    throw ExitCode.unreadable
  }
}
