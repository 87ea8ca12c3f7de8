import Foundation
import Testing

/// ``CLIRun`` measures netspec's own peak memory, not the test process's.
@Suite struct CLIRunTests {
  @Test func thePeakIsNetspecsOwnWhileTheTestHoldsMemory() throws {
    try #require(
      FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "GNU time (apt-get install time) measures it")
    // 320 MiB touched by this process before the spawn.
    let count = 320 << 20
    let held = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
    defer { held.deallocate() }
    for page in stride(from: 0, to: count, by: 4096) { held[page] = 1 }
    let folder = try CLIFolder()
    let run = try folder.run("--version")
    #expect(run.status == 0, "\(run)")
    #expect(run.maxResidentBytes > 0 && run.maxResidentBytes < 200 << 20, "\(run)")
    #expect(held[4096] == 1)
  }
}
