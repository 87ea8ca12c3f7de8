import Foundation
import NetSpec
import NetSpecDiagnostics
import Testing

/// Spec paths that are not plain files: a FIFO is refused without blocking, a
/// symlink loop is named as such, an oversized file is reported where it
/// passes the limit.
@Suite struct SpecFileReadingTests {
  func load(_ path: String) -> [Diagnostic] {
    var bag = DiagnosticBag()
    _ = Frontend.load(path: path, &bag)
    return bag.sorted
  }

  @Test func aFIFOIsRefusedWithoutOpeningItForReading() throws {
    let folder = try Golden.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("spec.yaml").path
    #expect(mkfifo(path, 0o600) == 0)
    let found = load(path)
    #expect(found.map(\.code) == [.unreadableFile])
    #expect(found.first?.message == "this is a FIFO (named pipe), not a spec file")
    #expect(found.first?.path == path)
  }

  @Test func aSymlinkLoopIsNotReportedAsAMissingFile() throws {
    let folder = try Golden.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let a = folder.appendingPathComponent("a.yaml").path
    let b = folder.appendingPathComponent("b.yaml").path
    try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
    try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
    #expect(load(a).map(\.message) == ["the path is a loop of symbolic links"])
    #expect(load(folder.appendingPathComponent("missing.yaml").path).map(\.message) == ["no such file"])
  }

  /// A one-line spec of 5 MiB: located at the limit, and its excerpt is cut.
  @Test func anOversizedFileIsLocatedAndItsExcerptIsShort() throws {
    let folder = try Golden.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("big.yaml").path
    try Data(("netspec: 1\ndescription: " + String(repeating: "x", count: 5 << 20) + "\n").utf8)
      .write(to: URL(fileURLWithPath: path))
    let found = load(path)
    let diagnostic = try #require(found.first)
    #expect(diagnostic.code == .fileTooLarge)
    let span = try #require(diagnostic.span)
    #expect(span.start.line == 2 && span.start.offset == 4 << 20)
    let text = HumanRenderer().render(found)
    #expect(text.count < 1_000, "the excerpt is \(text.count) characters")
    #expect(text.contains("…x"))
  }

  /// Data paths in a spec get the same care: a FIFO, a device or a symlink
  /// loop is a located NS0502, found before any reader opens it.
  @Test func dataPathsThatAreNotRegularFiles() throws {
    let folder = try Golden.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(mkfifo(folder.appendingPathComponent("pipe.csv").path, 0o600) == 0)
    let loop = folder.appendingPathComponent("loop.csv").path
    try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
    for (data, message) in [
      ("pipe.csv", "`pipe.csv` is not a regular file"), ("/dev/zero", "`/dev/zero` is not a regular file"),
      ("loop.csv", "`loop.csv` is a loop of symbolic links"),
    ] {
      let yaml =
        "netspec: 1\ninputs: {x: [N, 4]}\nlayers:\n  - dense: 3\n"
        + "train: {loss: cross_entropy, optimizer: sgd}\ndata:\n  train: {csv: \(data)}\n"
      let path = folder.appendingPathComponent("spec.yaml").path
      try yaml.write(toFile: path, atomically: true, encoding: .utf8)
      let found = load(path)
      #expect(found.map(\.code) == [.badData], "\(found.map(\.message))")
      #expect(found.first?.message.hasPrefix(message) == true, "\(found.map(\.message))")
      #expect(found.first?.span?.start.line == 7)
    }
  }
}
