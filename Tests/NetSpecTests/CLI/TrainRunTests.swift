import Foundation
import Testing

@testable import NetSpec

/// `netspec train`'s run directory: an earlier run is refused unless
/// `--overwrite`, stale temporary files are removed, and after a NaN loss
/// `restore_best` leaves the best epoch's weights on disk.
@Suite("netspec train's run directory", .serialized)
struct TrainRunTests {
  @Test func aRerunNeedsOverwriteAndCleansStaleTemporaryFiles() throws {
    let folder = try CLIFixtures.folder.get()
    let first = try folder.run("train", "tiny.yaml", "-o", "rerun")
    #expect(first.status == 0, "\(first)")
    let csv = try String(contentsOf: folder.url.appendingPathComponent("rerun/metrics.csv"), encoding: .utf8)
    #expect(csv.split(separator: "\n").count == 2 && csv.hasPrefix("epoch,step,train_loss"))
    let refused = try folder.run("train", "tiny.yaml", "-o", "rerun")
    #expect(refused.status == 2, "\(refused)")
    #expect(refused.stderr.contains("earlier run") && refused.stderr.contains("--overwrite"), "\(refused)")
    try folder.write("rerun/.weights.safetensors.4242-7.tmp", "partial")
    try folder.write("rerun/.notes.4242-7.tmp", "not ours")
    let overwritten = try folder.run("train", "tiny.yaml", "-o", "rerun", "--overwrite")
    #expect(overwritten.status == 0, "\(overwritten)")
    #expect(overwritten.stdout.contains("removed 1 temporary file"), "\(overwritten)")
    let entries = try FileManager.default.contentsOfDirectory(
      atPath: folder.url.appendingPathComponent("rerun").path)
    #expect(entries.sorted() == [".notes.4242-7.tmp"] + RunDirectory.files.sorted())
    // eval and predict only read a run directory.
    let eval = try folder.run("eval", "tiny.yaml", "--weights", "rerun/weights.safetensors")
    #expect(eval.status == 0, "\(eval)")
  }

  /// Linear regression at a learning rate far above the stable limit: the
  /// loss grows every epoch until it overflows, so epoch 1 is the best.
  static let diverging = """
    netspec: 1
    inputs: {x: [N, 1]}
    layers:
      - dense: {units: 1, name: line}
    train:
      loss: mse
      optimizer: {sgd: {lr: 5}}
      batch_size: all
      epochs: 500
      early_stopping: {monitor: loss, patience: 500, restore_best: true}
    data:
      train: {csv: line.csv, label: last}
    """

  @Test func aNaNLossWithRestoreBestLeavesTheBestEpochOnDisk() throws {
    let folder = try CLIFixtures.folder.get()
    try folder.write("line.csv", (0..<20).map { i in "\(Double(i) / 10),\(Double(i) / 5)" }.joined(separator: "\n"))
    try folder.write("diverging.yaml", Self.diverging)
    let run = try folder.run("train", "diverging.yaml", "-o", "diverged")
    #expect(run.status == 1, "\(run)")
    #expect(run.stderr.contains("weights of the best epoch, 1, were restored"), "\(run)")
    let directory = folder.url.appendingPathComponent("diverged")
    let weights = try SafetensorsFile(contentsOf: directory.appendingPathComponent("weights.safetensors").path)
    #expect(weights.metadata["epoch"] == "1")
    #expect(weights.tensors.allSatisfy { tensor in tensor.values.allSatisfy(\.isFinite) })
    // The log and chart cover every finished epoch.
    let log = try String(contentsOf: directory.appendingPathComponent("metrics.csv"), encoding: .utf8)
    #expect(log.split(separator: "\n").count > 3)
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("curves.svg").path))
  }
}
