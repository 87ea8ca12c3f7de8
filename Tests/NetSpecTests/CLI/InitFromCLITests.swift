import Foundation
import Testing

@testable import NetSpec

/// `netspec train --init-from W [--strict]` on the command line: the report,
/// the frozen layer that keeps the loaded values, and the exit codes.
@Suite("netspec train --init-from", .serialized)
struct InitFromCLITests {
  /// `tiny.yaml`'s layer, frozen, under a new head.
  static let finetune = CLIFixtures.tiny
    .replacingOccurrences(
      of: "name: logits}", with: "name: logits, trainable: false}\n  - relu\n  - dense: {units: 3, name: head}"
    )
    .replacingOccurrences(of: "name: tiny", with: "name: finetune")

  @Test func fineTuningLoadsMatchingTensorsAndReportsTheRest() throws {
    let folder = try CLIFixtures.folder.get()
    try folder.write("finetune.yaml", Self.finetune)
    let run = try folder.run("train", "finetune.yaml", "--init-from", CLIFixtures.weights, "-o", "finetuned")
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("init-from \(CLIFixtures.weights): loaded 2, skipped 0, left initialized 2"), "\(run)")
    #expect(run.stdout.contains("  loaded: logits.bias, logits.weight"), "\(run)")
    #expect(run.stdout.contains("  left initialized: head.bias, head.weight"), "\(run)")
    let base = try SafetensorsFile(contentsOf: folder.url.appendingPathComponent(CLIFixtures.weights).path)
    let tuned = try SafetensorsFile(contentsOf: folder.url.appendingPathComponent("finetuned/weights.safetensors").path)
    #expect(tuned["logits.weight"] == base["logits.weight"] && tuned["logits.bias"] == base["logits.bias"])
    let strict = try folder.run(
      "train", "finetune.yaml", "--init-from", CLIFixtures.weights, "--strict", "-o", "strict")
    #expect(strict.status == 1, "\(strict)")
    #expect(strict.stderr.contains("missing tensor \"head.weight\" (expected shape [3, 3])"), "\(strict)")
  }

  @Test func weightsThatFitNothingOrNoFileAreRefused() throws {
    let folder = try CLIFixtures.folder.get()
    // other.yaml's layer has 5 units: both tensors have the wrong shape.
    let nothing = try folder.run("train", "other.yaml", "--init-from", CLIFixtures.weights, "-o", "nothing")
    #expect(nothing.status == 1, "\(nothing)")
    #expect(nothing.stderr.contains("tensor \"logits.weight\" has shape [3, 4], expected [5, 4]"), "\(nothing)")
    let missing = try folder.run("train", "tiny.yaml", "--init-from", "absent.safetensors", "-o", "missing")
    #expect(
      missing.status == 2 && missing.stderr.contains("--init-from `absent.safetensors`: no such file"), "\(missing)")
    let strictAlone = try folder.run("train", "tiny.yaml", "--strict", "-o", "alone")
    #expect(strictAlone.status == 2, "\(strictAlone)")
  }
}
