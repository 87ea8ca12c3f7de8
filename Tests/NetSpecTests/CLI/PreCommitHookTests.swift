import Foundation
import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// The CI examples in Examples/ci (docs/CI.md): the git hook runs and stops a
/// commit of an invalid spec, and the workflow is valid YAML.
@Suite struct PreCommitHookTests {
  static let examples = Golden.repositoryRoot.appendingPathComponent("Examples/ci")

  /// Runs `command` with `sh -c` in `directory`, with the built `netspec` first on PATH.
  func shell(_ command: String, in directory: URL) throws -> (status: Int32, output: String) {
    let netspecDirectory = URL(fileURLWithPath: CLIRun.executable).deletingLastPathComponent().path
    let path = netspecDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    return try ChildProcess.run(["/bin/sh", "-c", command], in: directory, environment: ["PATH": path])
  }

  @Test func theHookStopsACommitOfAnInvalidSpecOnly() throws {
    let repository = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: repository.appendingPathComponent("specs/nested dir"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: repository) }
    let hook = Self.examples.appendingPathComponent("pre-commit").path
    let valid = Golden.repositoryRoot.appendingPathComponent("specs/alexnet.yaml").path
    let invalid = Golden.repositoryRoot.appendingPathComponent("Examples/mistakes/typo.yaml").path
    #expect(try shell("git init -q . && sh '\(hook)'", in: repository).status == 0, "nothing staged")

    _ = try shell("cp '\(valid)' 'specs/nested dir/good model.yaml' && git add -A", in: repository)
    let good = try shell("sh '\(hook)'", in: repository)
    #expect(good.status == 0, "\(good.output)")

    _ = try shell("cp '\(invalid)' specs/typo.yaml && git add -A", in: repository)
    let bad = try shell("sh '\(hook)'", in: repository)
    #expect(bad.status == 1, "\(bad.output)")
    #expect(bad.output.contains("specs/typo.yaml:9:5: error[NS0206]"), "\(bad.output)")
  }

  @Test func theWorkflowIsValidYAML() throws {
    let url = Self.examples.appendingPathComponent("specs.yml")
    let file = SourceFile(path: url.path, bytes: [UInt8](try Data(contentsOf: url)))
    if case .failure(let error) = YAMLParser.parse(file, limits: .default) {
      Issue.record("Examples/ci/specs.yml: \(error)")
    }
  }
}
