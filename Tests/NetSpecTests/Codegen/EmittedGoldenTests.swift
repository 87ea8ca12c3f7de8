import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The emitted LeNet-5 as committed: any change to generated code shows in
/// review as a diff of `Golden/Lenet5.swift.golden`. Regenerate with
/// `NETSPEC_UPDATE_GOLDEN=1 swift test --filter EmittedGoldenTests`.
@Suite struct EmittedGoldenTests {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let golden = directory.appendingPathComponent("Golden/Lenet5.swift.golden")

  @Test func lenet5MatchesTheSnapshot() throws {
    let specURL = Self.directory.appendingPathComponent("../../../specs/lenet5.yaml").standardizedFileURL
    var diagnostics = DiagnosticBag()
    let source = SourceFile(path: "specs/lenet5.yaml", text: try String(contentsOf: specURL, encoding: .utf8))
    let spec = try #require(Frontend.check(source, &diagnostics))
    let model = try SwiftEmitter.emit(spec, capacity: 64, sourceName: "lenet5.yaml")[0].contents
    if ProcessInfo.processInfo.environment["NETSPEC_UPDATE_GOLDEN"] == "1" {
      try FileManager.default.createDirectory(
        at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
      try model.write(to: Self.golden, atomically: true, encoding: .utf8)
    }
    let expected = try String(contentsOf: Self.golden, encoding: .utf8)
    #expect(
      model == expected,
      "the emitted LeNet-5 changed: review it and run `NETSPEC_UPDATE_GOLDEN=1 swift test --filter EmittedGoldenTests`")
  }
}
