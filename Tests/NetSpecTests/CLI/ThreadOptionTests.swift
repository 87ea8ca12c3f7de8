import Foundation
import Testing

/// `--threads N` and `NETSPEC_THREADS` size the kernels' pool; `train` says
/// how many threads it got, and a bad count is a usage error.
@Suite struct ThreadOptionTests {
  @Test func theFlagAndTheVariableSetTheThreadCount() throws {
    let folder = try CLIFixtures.folder.get()
    let flag = try folder.run("train", "tiny.yaml", "--threads", "1", "-o", "threads-flag", "--overwrite")
    #expect(flag.status == 0, "\(flag)")
    #expect(flag.stdout.contains("kernels on 1 thread\n"), "\(flag)")
    let variable = try folder.run(
      ["train", "tiny.yaml", "-o", "threads-variable", "--overwrite"], environment: ["NETSPEC_THREADS": "3"])
    #expect(variable.status == 0, "\(variable)")
    #expect(variable.stdout.contains("kernels on 3 threads\n"), "\(variable)")
    // The flag wins over the variable.
    let both = try folder.run(
      ["train", "tiny.yaml", "--threads", "2", "-o", "threads-both", "--overwrite"],
      environment: ["NETSPEC_THREADS": "3"])
    #expect(both.stdout.contains("kernels on 2 threads\n"), "\(both)")
  }

  @Test func aBadVariableIsAUsageError() throws {
    let folder = try CLIFixtures.folder.get()
    let run = try folder.run(
      ["predict", "tiny.yaml", "--weights", CLIFixtures.weights, "--input", "samples.csv"],
      environment: ["NETSPEC_THREADS": "many"])
    #expect(run.status == 2, "\(run)")
    #expect(run.stderr.contains("NETSPEC_THREADS must be a whole number from 1 to 256, not `many`"), "\(run)")
  }
}
