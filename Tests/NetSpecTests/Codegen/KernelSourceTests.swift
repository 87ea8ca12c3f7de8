import Foundation
import Testing

@testable import NetSpec

/// The kernel sources embedded for `netspec compile` are the current ones.
@Suite struct KernelSourceTests {
  static let kernelsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("../../../Sources/NetSpecKernels").standardizedFileURL
  static let embeddingFile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("../../../Sources/NetSpec/Codegen/KernelSources.swift")
    .standardizedFileURL

  @Test func embeddedKernelsMatchTheSources() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.kernelsDirectory.path)
      .filter { $0.hasSuffix(".swift") }.sorted()
    let files = try names.map { name in
      (name: name, text: try String(contentsOf: Self.kernelsDirectory.appendingPathComponent(name), encoding: .utf8))
    }
    let rendered = KernelSourceEmbedding.render(files)
    if ProcessInfo.processInfo.environment["NETSPEC_UPDATE_GOLDEN"] == "1" {
      try rendered.write(to: Self.embeddingFile, atomically: true, encoding: .utf8)
    }
    let current = try String(contentsOf: Self.embeddingFile, encoding: .utf8)
    #expect(
      current == rendered,
      "Sources/NetSpec/Codegen/KernelSources.swift is stale: run `NETSPEC_UPDATE_GOLDEN=1 swift test --filter KernelSourceTests`"
    )
    #expect(KernelSources.files.map(\.name) == names)
  }

  @Test func emittedRuntimeHasNoPublicDeclarationsAndOnlyFoundationImports() {
    let runtime = KernelSourceEmbedding.runtimeFile()
    for line in runtime.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
      #expect(!line.contains("public "), "\(line)")
      if line.trimmingCharacters(in: .whitespaces).hasPrefix("import ") {
        #expect(line == "import Foundation", "\(line)")
      }
    }
  }
}
