import Foundation
import NetSpecEmbeddedSources
import Testing

@testable import NetSpec

/// The sources the EmbedSources plugin compiled into `netspec` are the files
/// on disk, and the runtime written from them is internal and Foundation-only.
@Suite struct KernelSourceTests {
  static let sourcesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("../../../Sources").standardizedFileURL

  /// Every `.swift` file under `Sources/<target>`, by path relative to it.
  static func filesOnDisk(of target: String) throws -> [String: String] {
    let directory = sourcesDirectory.appendingPathComponent(target)
    var files: [String: String] = [:]
    for case let path as String in FileManager.default.enumerator(atPath: directory.path)!
    where path.hasSuffix(".swift") {
      files[path] = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
    }
    return files
  }

  @Test func embeddedSourcesAreTheFilesOnDisk() throws {
    #expect(Set(EmbeddedSources.files.keys) == ["NetSpecKernels", "NetSpecRuntime"])
    for (target, embedded) in EmbeddedSources.files {
      let onDisk = try Self.filesOnDisk(of: target)
      #expect(!onDisk.isEmpty, "Sources/\(target) has no Swift files")
      #expect(embedded.keys.sorted() == onDisk.keys.sorted(), "\(target)")
      for (path, text) in onDisk {
        #expect(embedded[path] == text, "\(target)/\(path) differs from its embedded text")
      }
    }
  }

  @Test func everyEmbeddedFileIsInTheRuntime() {
    let runtime = KernelSourceEmbedding.runtimeFile()
    for file in KernelSourceEmbedding.files {
      #expect(runtime.contains("\n// MARK: - \(file.path)\n"), "\(file.target)/\(file.path)")
    }
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
