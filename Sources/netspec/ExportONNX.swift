import ArgumentParser
import NetSpec

extension Export {
  /// `--format onnx`.
  func exportONNX(_ checked: CheckedSpec) throws {
    Console.printError("error: --format onnx is not available in this build\n")
    throw ExitCode.unreadable
  }
}
