import Foundation
import Testing

@testable import NetSpec

@Suite("Atomic writes")
struct AtomicWriteTests {
  private struct InjectedFailure: Error {}

  private let old = SafetensorsFile(
    tensors: [NamedTensor(name: "w", shape: [2], values: [1, 2])], metadata: ["epoch": "1"])
  private let new = SafetensorsFile(
    tensors: [NamedTensor(name: "w", shape: [2], values: [3, 4])], metadata: ["epoch": "2"])

  @Test("writing replaces the file and leaves no temporary file")
  func replaces() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("weights.safetensors")
    try old.write(to: path)
    try new.write(to: path)
    #expect(try SafetensorsFile(contentsOf: path) == new)
    #expect(try directory.entries() == ["weights.safetensors"])
  }

  @Test("a failure after the temporary file is written leaves the old file intact and no litter")
  func failureBeforeRename() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("weights.safetensors")
    try old.write(to: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    var temporary: String?
    do {
      try new.write(to: path) { written in
        temporary = written
        // The new contents are complete and synced in the temporary file, beside the target.
        #expect(try SafetensorsFile(contentsOf: written) == new)
        #expect((written as NSString).deletingLastPathComponent == directory.url.path)
        throw InjectedFailure()
      }
      Issue.record("expected the injected failure")
    } catch {
      #expect(error.path == path)
      #expect(error.description.hasPrefix(path + ": cannot write the file: "))
    }
    #expect(temporary != nil)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try directory.entries() == ["weights.safetensors"])
  }

  @Test("a crash mid-write (temporary file left behind) does not touch the target")
  func crashLeavesTarget() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("weights.safetensors")
    try old.write(to: path)
    // Simulate the process dying after a partial write: the bytes went to a
    // temporary file, which is never renamed.
    try? new.write(to: path) { written in
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: written))
      try handle.truncate(atOffset: 10)
      try handle.close()
      throw InjectedFailure()
    }
    #expect(try SafetensorsFile(contentsOf: path) == old)
  }

  @Test("a missing directory is an error naming the path; nothing is created")
  func missingDirectory() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("no/such/dir/weights.safetensors")
    do {
      try new.write(to: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.description == path + ": cannot write the file: open: No such file or directory")
    }
    #expect(try directory.entries().isEmpty)
  }

  @Test("a target that is a directory is an error; the directory survives")
  func targetIsDirectory() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("weights.safetensors")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    #expect(throws: SafetensorsError.self) { try new.write(to: path) }
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
    #expect(try directory.entries() == ["weights.safetensors"])
  }

  @Test("the new file gets ordinary permissions (0666 less the umask), not a temporary file's 0600")
  func permissions() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("weights.safetensors")
    try new.write(to: path)
    let reference = directory.path("reference")
    let fd = open(reference, O_WRONLY | O_CREAT | O_EXCL, 0o666)
    #expect(fd >= 0)
    close(fd)
    let mode = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
    #expect(try mode(path) == mode(reference))
  }
}
