import Foundation
import Testing

@testable import NetSpec

@Suite struct OpReferenceTests {
  static let docsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/OPS.md").path

  /// docs/OPS.md is generated; regenerate with `swift run netspec ops --markdown > docs/OPS.md`.
  @Test func docsAreUpToDate() throws {
    let committed = try String(contentsOfFile: Self.docsPath, encoding: .utf8)
    #expect(committed == OpReference.markdown(), "regenerate with `swift run netspec ops --markdown > docs/OPS.md`")
  }

  @Test func everyOpHasASection() {
    let text = OpReference.markdown()
    for op in OpRegistry.all {
      #expect(text.contains("### `\(op.schema.name)`"))
    }
  }
}
