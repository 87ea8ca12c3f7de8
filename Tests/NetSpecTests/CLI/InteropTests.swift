import Foundation
import Testing

/// The interop checks (ONNX export and import against onnx and onnxruntime, PyTorch
/// export against torch, safetensors read by Python) live in `Tests/Interop` as pytest
/// files and need a Python environment with those packages: `.ci/interop` creates it
/// and runs them. `swift test` needs no Python: it skips them visibly unless
/// `NETSPEC_INTEROP=1`, then runs them against the netspec it built.
@Suite struct InteropTests {
  static let requested = ProcessInfo.processInfo.environment["NETSPEC_INTEROP"] == "1"

  @Test(
    .enabled(
      if: requested,
      "the ONNX, onnxruntime and PyTorch checks need Python packages: run .ci/interop (docs/TESTING.md), or set NETSPEC_INTEROP=1"
    ))
  func pythonInteropChecks() throws {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../..").standardizedFileURL
    let process = Process()
    process.executableURL = repository.appendingPathComponent(".ci/interop")
    process.currentDirectoryURL = repository
    process.environment = ProcessInfo.processInfo.environment.merging(["NETSPEC": CLIRun.executable]) { $1 }
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, ".ci/interop failed: its output above says which check")
  }
}
