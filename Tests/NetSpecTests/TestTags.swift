import Foundation
import Testing

extension Tag {
  /// Suites that compile emitted Swift with `swiftc` or train whole specs (tens
  /// of seconds each); the fast edit-test loop skips them (docs/TESTING.md).
  @Tag static var slow: Self
}

/// The fast loop's skip pattern in docs/TESTING.md names every suite tagged
/// `slow`, so skipping by name and tagging cannot drift apart.
@Suite struct TestTagTests {
  @Test func theDocumentedSkipPatternNamesEverySlowSuite() throws {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let docs = try String(
      contentsOf: tests.appendingPathComponent("../../docs/TESTING.md").standardizedFileURL, encoding: .utf8)
    let command = try #require(docs.split(separator: "\n").first { $0.contains("swift test --skip '") })
    let pattern = Set(command.split(separator: "'")[1].split(separator: "|").map(String.init))
    var slow: Set<String> = []
    let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)
    while let url = files?.nextObject() as? URL {
      guard url.pathExtension == "swift" else { continue }
      for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
      where line.hasPrefix("@Suite(") && line.contains(".tags(.slow)") {
        let name = line.split(separator: "struct ").last?.split(separator: " ").first
        slow.insert(String(try #require(name)))
      }
    }
    #expect(slow.count >= 3)
    #expect(slow == pattern, "tagged slow: \(slow.sorted()); docs/TESTING.md skips: \(pattern.sorted())")
  }
}
