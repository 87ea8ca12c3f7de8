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
