import Foundation
import Testing

@testable import NetSpec

/// The kernel sources embedded for `netspec compile` are the current ones.
@Suite struct KernelSourceTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../..").standardizedFileURL

  @Test(arguments: [("NetSpecKernels", "KernelSources"), ("NetSpecRuntime", "RuntimeSources")])
  func embeddedSourcesMatchTheSources(target: String, embedding: String) throws {
    let directory = Self.root.appendingPathComponent("Sources/\(target)")
    let embeddingFile = Self.root.appendingPathComponent("Sources/NetSpec/Codegen/\(embedding).swift")
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasSuffix(".swift") }.sorted()
    let files = try names.map { name in
      (name: name, text: try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
    }
    let rendered = KernelSourceEmbedding.render(files, as: embedding, target: target)
    if ProcessInfo.processInfo.environment["NETSPEC_UPDATE_GOLDEN"] == "1" {
      try rendered.write(to: embeddingFile, atomically: true, encoding: .utf8)
    }
    let current = try String(contentsOf: embeddingFile, encoding: .utf8)
    #expect(
      current == rendered,
      "Sources/NetSpec/Codegen/\(embedding).swift is stale: run `NETSPEC_UPDATE_GOLDEN=1 swift test --filter KernelSourceTests`"
    )
    let embedded = embedding == "KernelSources" ? KernelSources.files : RuntimeSources.files
    #expect(embedded.map(\.name) == names)
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
