import Foundation
import Testing

@testable import NetSpec

#if canImport(Glibc)
  import Glibc
#endif

/// `netspec train --resume RUN_DIR`: a run cut short (by `--epochs` or by
/// SIGKILL mid-run) and resumed writes the same weights file, byte for byte,
/// and the same metrics as one never interrupted; what resuming refuses.
@Suite("netspec train --resume", .serialized)
struct ResumeCLITests {
  /// Dropout, Adam, a step schedule after a warm-up (independent of the
  /// epoch count, so `--epochs 3` then `--resume --epochs 8` trains as 8
  /// epochs do), early stopping, and checkpoints every 2 epochs.
  static func spec(epochs: Int) -> String {
    """
    netspec: 1
    name: resumable
    inputs: {x: [N, 4]}
    layers:
      - dense: {units: 12, activation: relu}
      - dropout: 0.3
      - dense: {units: 3, name: logits}
    train:
      loss: cross_entropy
      optimizer: {adam: {lr: 0.01}}
      epochs: \(epochs)
      batch_size: 8
      schedule: {step: {every: 3, gamma: 0.7, warmup_epochs: 1}}
      early_stopping: {monitor: val_loss, patience: 50, restore_best: true}
      checkpoint_every: 2
    data:
      train: {csv: rows.csv, label: last}
      split: {validation: 0.25}
    """
  }

  static let folder: Result<CLIFolder, Error> = Result {
    let folder = try CLIFolder()
    try folder.write("rows.csv", ResumeTests.rows)
    try folder.write("short.yaml", spec(epochs: 8))
    try folder.write("long.yaml", spec(epochs: 30))
    try folder.write(
      "pinned.yaml",
      spec(epochs: 4).replacingOccurrences(of: "units: 12", with: "units: $width")
        + "\nvars: {width: 12}\nexpect: {params: 99}\n")
    return folder
  }

  /// The epoch records of a run's `metrics.jsonl`, without timings.
  static func metrics(_ folder: CLIFolder, _ run: String) throws -> [EpochMetrics] {
    try MetricsLog.read(contentsOf: folder.url.appendingPathComponent(run + "/metrics.jsonl").path).map(\.comparable)
  }

  static func bytes(_ folder: CLIFolder, _ path: String) throws -> Data {
    try Data(contentsOf: folder.url.appendingPathComponent(path))
  }

  @Test func aRunCutShortAndResumedWritesTheSameWeightsFile() throws {
    let folder = try Self.folder.get()
    let straight = try folder.run("train", "short.yaml", "-o", "straight")
    #expect(straight.status == 0, "\(straight)")
    let first = try folder.run("train", "short.yaml", "-o", "cut", "--epochs", "3")
    #expect(first.status == 0, "\(first)")
    let resumed = try folder.run("train", "--resume", "cut", "--epochs", "8")
    #expect(resumed.status == 0, "\(resumed)")
    #expect(resumed.stdout.contains("resuming cut after epoch 3 of 8"), "\(resumed)")
    #expect(try Self.bytes(folder, "cut/weights.safetensors") == Self.bytes(folder, "straight/weights.safetensors"))
    #expect(try Self.metrics(folder, "cut") == Self.metrics(folder, "straight"))
    let csv = try String(contentsOf: folder.url.appendingPathComponent("cut/metrics.csv"), encoding: .utf8)
    #expect(csv.split(separator: "\n").count == 9 && csv.hasPrefix("epoch,step,"))
    // A finished run resumes to its end again: the same weights, nothing trained.
    let again = try folder.run("train", "--resume", "cut")
    #expect(again.status == 0 && again.stdout.contains("already ended after epoch 8"), "\(again)")
    #expect(try Self.bytes(folder, "cut/weights.safetensors") == Self.bytes(folder, "straight/weights.safetensors"))
    #expect(try Self.metrics(folder, "cut").count == 8)
  }

  /// A run started with `--no-expect` (its `--set` moves the sizes that
  /// `expect:` pins) resumes without the flag: the checkpoint records it.
  @Test func aRunStartedWithNoExpectResumesWithoutIt() throws {
    let folder = try Self.folder.get()
    let checked = try folder.run("train", "pinned.yaml", "-o", "pinned", "--set", "width=8")
    #expect(checked.status == 1 && checked.stderr.contains("expect"), "\(checked)")
    let first = try folder.run(
      "train", "pinned.yaml", "-o", "pinned", "--set", "width=8", "--no-expect", "--epochs", "2")
    #expect(first.status == 0, "\(first)")
    let resumed = try folder.run("train", "--resume", "pinned", "--epochs", "4")
    #expect(resumed.status == 0 && resumed.stdout.contains("resuming pinned after epoch 2 of 4"), "\(resumed)")
  }

  /// SIGKILL lands wherever it lands, after the log shows epoch 5 (so
  /// after the checkpoint of epoch 4, and before or during the writes of
  /// epoch 6's): resuming trains on from the last checkpoint, drops the log
  /// lines after it and retrains them identically.
  @Test func aKilledRunResumesToTheWeightsOfAnUninterruptedOne() throws {
    let folder = try Self.folder.get()
    let straight = try folder.run("train", "long.yaml", "-o", "whole")
    #expect(straight.status == 0, "\(straight)")
    let killed = try Self.killed(["train", "long.yaml", "-o", "killed"], in: folder.url) {
      let log = try? String(contentsOf: folder.url.appendingPathComponent("killed/metrics.jsonl"), encoding: .utf8)
      return (log?.split(separator: "\n").count ?? 0) >= 5
    }
    #expect(killed, "the run ended before it could be killed")
    let checkpoint = try SafetensorsFile.metadata(
      ofFileAt: folder.url.appendingPathComponent("killed/checkpoint.safetensors").path)
    #expect(Int(checkpoint["epoch"] ?? "") ?? 0 >= 4)
    let resumed = try folder.run("train", "--resume", "killed")
    #expect(resumed.status == 0, "\(resumed)")
    #expect(try Self.bytes(folder, "killed/weights.safetensors") == Self.bytes(folder, "whole/weights.safetensors"))
    #expect(try Self.metrics(folder, "killed") == Self.metrics(folder, "whole"))
    let left = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("killed").path)
    #expect(left.sorted() == RunDirectory.files.sorted())
  }

  @Test func resumingRefusesAnotherSpecDataSeedOrFewerEpochs() throws {
    let folder = try Self.folder.get()
    let spec = Self.spec(epochs: 8).replacingOccurrences(of: "rows.csv", with: "edited.csv")
    try folder.write("edited.csv", ResumeTests.rows)
    try folder.write("edited.yaml", spec)
    let first = try folder.run("train", "edited.yaml", "-o", "edited", "--epochs", "2")
    #expect(first.status == 0, "\(first)")
    try folder.write("edited.yaml", spec.replacingOccurrences(of: "lr: 0.01", with: "lr: 0.02"))
    let changed = try folder.run("train", "--resume", "edited")
    #expect(changed.status == 1, "\(changed)")
    #expect(changed.stderr.contains("edited.yaml is not the spec the run in edited was started from"), "\(changed)")
    #expect(changed.stderr.contains("line 10 is `  optimizer: {adam: {lr: 0.02}}`"), "\(changed)")
    try folder.write("edited.yaml", spec)
    try folder.write("edited.csv", "0.5" + ResumeTests.rows.dropFirst(3))
    let data = try folder.run("train", "--resume", "edited")
    #expect(data.status == 1 && data.stderr.contains("is not the data the run in edited was trained on"), "\(data)")
    try folder.write("edited.csv", ResumeTests.rows)
    let seed = try folder.run("train", "--resume", "edited", "--seed", "3")
    #expect(seed.status == 2 && seed.stderr.contains("--seed 3 differs"), "\(seed)")
    let set = try folder.run("train", "--resume", "edited", "--set", "w=1")
    #expect(set.status == 2 && set.stderr.contains("--set w=1 differs"), "\(set)")
    let fewer = try folder.run("train", "--resume", "edited", "--epochs", "1")
    #expect(fewer.status == 2 && fewer.stderr.contains("may only grow"), "\(fewer)")
    let output = try folder.run("train", "--resume", "edited", "-o", "elsewhere")
    #expect(output.status == 2, "\(output)")
    let none = try folder.run("train", "--resume", "nowhere")
    #expect(none.status == 2 && none.stderr.contains("no such run directory"), "\(none)")
    try FileManager.default.createDirectory(
      at: folder.url.appendingPathComponent("empty"), withIntermediateDirectories: true)
    let empty = try folder.run("train", "--resume", "empty")
    #expect(empty.status == 2 && empty.stderr.contains("holds no checkpoint.safetensors"), "\(empty)")
    // Weights are not a checkpoint.
    try FileManager.default.copyItem(
      at: folder.url.appendingPathComponent("edited/weights.safetensors"),
      to: folder.url.appendingPathComponent("empty/checkpoint.safetensors"))
    let weights = try folder.run("train", "--resume", "empty")
    #expect(weights.status == 1 && weights.stderr.contains("not a checkpoint"), "\(weights)")
    // The unchanged spec resumes.
    let resumed = try folder.run("train", "--resume", "edited")
    #expect(resumed.status == 0, "\(resumed)")
  }

  /// Runs `netspec arguments...` in `directory` and SIGKILLs it as soon as
  /// `ready()` holds; returns whether it was killed (false: it ended first).
  static func killed(_ arguments: [String], in directory: URL, when ready: () throws -> Bool) throws -> Bool {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let shell = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, CLIRun.executable] + arguments
    let argv = shell.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
    guard spawned == 0 else { throw CLIError("cannot run netspec: \(String(cString: strerror(spawned)))") }
    let start = ContinuousClock.now
    var status: Int32 = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
      if try ready() || ContinuousClock.now - start > CLIRun.deadline {
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return status & 0x7F == SIGKILL
      }
      usleep(1_000)
    }
    return false
  }
}
