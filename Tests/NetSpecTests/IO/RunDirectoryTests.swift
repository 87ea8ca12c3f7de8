import Foundation
import Testing

@testable import NetSpec

/// A spec's `name:` becomes one path component under `runs/`.
@Suite struct RunDirectoryTests {
  @Test func namesStayInsideRuns() {
    #expect(RunDirectory.default(for: "lenet5") == "runs/lenet5")
    #expect(RunDirectory.default(for: "resnet-18_v1.2") == "runs/resnet-18_v1.2")
    #expect(RunDirectory.default(for: "../../etc/passwd") == "runs/_.._etc_passwd")
    #expect(RunDirectory.default(for: "a/b\nc") == "runs/a_b_c")
    #expect(RunDirectory.default(for: "...") == "runs/model")
    #expect(RunDirectory.default(for: "") == "runs/model")
    #expect(RunDirectory.default(for: String(repeating: "x", count: 100)).count == "runs/".count + 64)
    #expect(RunDirectory.default(for: "日本") == "runs/__")
  }
}

/// Making a directory ready for a new run: an earlier run is refused unless
/// overwritten, and only the temporary files of our atomic writes are removed.
@Suite struct RunDirectoryPrepareTests {
  @Test func anEarlierRunIsRefusedUnlessOverwritten() throws {
    let directory = try TemporaryDirectory()
    let run = directory.path("run")
    #expect(try RunDirectory.prepare(run, overwrite: false).isEmpty)  // creates it
    try "x".write(toFile: run + "/notes.txt", atomically: true, encoding: .utf8)
    #expect(try RunDirectory.prepare(run, overwrite: false).isEmpty)  // other files are no run
    try "{}".write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
    let error = #expect(throws: FileError.self) { try RunDirectory.prepare(run, overwrite: false) }
    #expect(error?.reason.contains("earlier run (metrics.jsonl)") == true)
    #expect(error?.reason.contains("--overwrite") == true)
    #expect(try RunDirectory.prepare(run, overwrite: true).isEmpty)
  }

  @Test func onlyOurStaleTemporaryFilesAreRemoved() throws {
    let directory = try TemporaryDirectory()
    let stale = [".weights.safetensors.4242-17.tmp", ".curves.svg.1-2.tmp", ".metrics.csv.99-0.tmp"]
    let kept = [
      ".weights.safetensors.tmp", ".weights.safetensors.12-x.tmp", ".weights.safetensors.12-3.tmp.bak",
      "weights.safetensors.1-2.tmp", ".model.safetensors.1-2.tmp", ".weights.safetensors.1-2-3.tmp", "notes.txt",
    ]
    for name in stale + kept { try "x".write(toFile: directory.path(name), atomically: false, encoding: .utf8) }
    #expect(try RunDirectory.prepare(directory.url.path, overwrite: false) == stale.sorted())
    #expect(try directory.entries() == kept.sorted())
  }

  @Test func theTemporaryNamePatternIsTheOneAtomicWritesUse() {
    let name = AtomicFile.temporaryName(for: "weights.safetensors")
    #expect(AtomicFile.isTemporary(name, of: "weights.safetensors"))
    #expect(!AtomicFile.isTemporary(name, of: "curves.svg"))
  }
}
