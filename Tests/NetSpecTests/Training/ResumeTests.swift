import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// A run stopped after any epoch and resumed from its checkpoint file ends
/// with the weights, bit for bit, and the epoch metrics of a run never
/// stopped: optimizer moments and steps, the schedule's position, early
/// stopping's state and best weights, dropout's forward-pass count and the
/// data's per-epoch shuffling and augmentation all carry over.
@Suite struct ResumeTests {
  /// Dropout, Adam, cosine after a warm-up (which depends on the run's
  /// epoch count) and early stopping that restores the best epoch, with a
  /// `min_delta` large enough that it stops the run before its last epoch.
  static let mlp = """
    netspec: 1
    name: mlp
    inputs: {x: [N, 4]}
    layers:
      - dense: {units: 12, activation: relu}
      - dropout: 0.3
      - dense: {units: 3, name: logits}
    train:
      loss: cross_entropy
      optimizer: {adam: {lr: 0.02}}
      epochs: 12
      batch_size: 8
      schedule: {cosine: {warmup_epochs: 2}}
      early_stopping: {monitor: loss, patience: 2, min_delta: 0.05, restore_best: true}
    data:
      train: {csv: train.csv, label: last}
      split: {validation: 0.25}
    """

  /// Batchnorm (running statistics), SGD with Nesterov momentum, a step
  /// schedule, dropout and every augmentation on 1x6x6 images.
  static let conv = """
    netspec: 1
    name: conv
    inputs: {image: [N, 1, 6, 6]}
    layers:
      - conv2d: {filters: 3, kernel: 3, padding: 1}
      - batchnorm
      - relu
      - maxpool2d: 2
      - flatten
      - dropout: 0.2
      - dense: {units: 2, name: logits}
    train:
      loss: cross_entropy
      optimizer: {sgd: {lr: 0.05, momentum: 0.9, nesterov: true}}
      epochs: 5
      batch_size: 6
      schedule: {step: {every: 2, gamma: 0.5}}
    data:
      train: {csv: images.csv, label: last, reshape: [1, 6, 6]}
      augment: [{random_shift: 1}, horizontal_flip, {random_crop: {size: 6, padding: 1}}, {gaussian_noise: 0.05}]
    """

  /// 64 rows of 4 features and a class of 3.
  static let rows = (0..<64).map { i in
    let a = Double((i * 37) % 17) / 17, b = Double((i * 11) % 13) / 13
    return "\(a),\(b),\(Double(i % 5) / 5),\(Double(i % 7) / 7),\(Int((a + b) * 1.5) % 3)"
  }.joined(separator: "\n")

  /// 24 images of 36 pixels and a class of 2 (bright left or right half).
  static let images = (0..<24).map { i in
    let pixels = (0..<36).map { p in (p % 6 < 3) == (i % 2 == 0) ? "\(Double((p * i) % 7) / 7 + 0.5)" : "0.1" }
    return (pixels + ["\(i % 2)"]).joined(separator: ",")
  }.joined(separator: "\n")

  /// A trainer of `spec` on its data, written into `directory` as `file`.
  static func trainer(_ spec: String, data: (String, String), in directory: TemporaryDirectory) throws -> Trainer {
    try data.1.write(toFile: directory.path(data.0), atomically: true, encoding: .utf8)
    let (checked, prepared) = try InlineSpec.load(spec, path: directory.path("spec.yaml"), seed: 0)
    return try Trainer(spec: checked, data: prepared)
  }

  /// Stops a run at a checkpoint, as a kill would.
  struct Stop: Error {}

  /// The run straight through, then for every epoch `k` before its end: a
  /// run stopped after `k` whose checkpoint is written, read back into a
  /// fresh trainer and resumed. Returns how many resumes were compared.
  static func expectResumesMatch(_ spec: String, data: (String, String)) throws -> Int {
    let directory = try TemporaryDirectory()
    let straight = try trainer(spec, data: data, in: directory)
    var history: [EpochMetrics] = []
    let result = try straight.run(observe: { if case .epoch(let record) = $0 { history.append(record) } })
    let expected = Checkpoint.tensors(of: straight.interpreter)
    let origin = TrainingCheckpoint.Origin(specPath: "spec.yaml", specText: spec, overrides: [], seed: nil, data: "d")
    let path = directory.path("checkpoint.safetensors")
    for k in 1..<history.count {
      let first = try trainer(spec, data: data, in: directory)
      #expect(throws: Stop.self) {
        _ = try first.run(observe: { _ in }) { _, record, progress in
          guard record.epoch == k else { return }
          try TrainingCheckpoint(trainer: first, progress: progress, origin: origin, name: "run")
            .write(to: path, plan: first.interpreter.plan)
          throw Stop()
        }
      }
      let resumed = try trainer(spec, data: data, in: directory)
      let checkpoint = try TrainingCheckpoint(contentsOf: path, plan: resumed.interpreter.plan)
      #expect(checkpoint.progress.epoch == k && checkpoint.origin == origin)
      checkpoint.restore(into: resumed)
      var rest: [EpochMetrics] = []
      let end = try resumed.run(from: checkpoint.progress) {
        if case .epoch(let record) = $0 { rest.append(record) }
      }
      #expect(end.bestEpoch == result.bestEpoch && end.stoppedEarly == result.stoppedEarly, "resumed after \(k)")
      #expect(Checkpoint.tensors(of: resumed.interpreter) == expected, "weights resumed after epoch \(k)")
      #expect(rest.map(\.comparable) == history.dropFirst(k).map(\.comparable), "metrics resumed after epoch \(k)")
    }
    return history.count - 1
  }

  @Test func anMLPWithDropoutAdamCosineAndEarlyStoppingResumesBitForBit() throws {
    let resumes = try Self.expectResumesMatch(Self.mlp, data: ("train.csv", Self.rows))
    // Early stopping ends the run after epoch 6 (best epoch 4), so resumes fall before, at and after the best.
    #expect(resumes == 5)
  }

  @Test func aConvNetWithBatchnormAndAugmentationResumesBitForBit() throws {
    #expect(try Self.expectResumesMatch(Self.conv, data: ("images.csv", Self.images)) == 4)
  }

  /// The file holds each parameter's weights, moments and best weights under
  /// its name, and reads back to the same checkpoint.
  @Test func theCheckpointFileRoundTrips() throws {
    let directory = try TemporaryDirectory()
    let trainer = try Self.trainer(Self.mlp, data: ("train.csv", Self.rows), in: directory)
    var saved: TrainingCheckpoint?
    let origin = TrainingCheckpoint.Origin(
      specPath: "/a/spec.yaml", specText: Self.mlp, overrides: ["w=3"], seed: 7, data: "d")
    _ = try trainer.run(observe: { _ in }) { _, record, progress in
      if record.epoch == 2 {
        saved = TrainingCheckpoint(trainer: trainer, progress: progress, origin: origin, name: "m")
      }
    }
    let checkpoint = try #require(saved)
    #expect(checkpoint.progress.best != nil && checkpoint.optimizerSteps == checkpoint.progress.step)
    let path = directory.path("checkpoint.safetensors")
    try checkpoint.write(to: path, plan: trainer.interpreter.plan)
    #expect(try TrainingCheckpoint(contentsOf: path, plan: trainer.interpreter.plan) == checkpoint)
    let names = try SafetensorsFile(contentsOf: path).tensors.map(\.name)
    #expect(names.contains("model.logits.weight") && names.contains("optimizer.second.logits.bias"))
    #expect(names.contains("best.dense_1.weight"))
    // Weights alone are not a checkpoint.
    try Checkpoint.write(trainer.interpreter, to: directory.path("w.safetensors"), metadata: ["epoch": "1"])
    #expect(throws: SafetensorsError.self) {
      try TrainingCheckpoint(contentsOf: directory.path("w.safetensors"), plan: trainer.interpreter.plan)
    }
  }
}

extension ResumeTests {
  /// A checkpoint with a NaN moment, an impossible progress or missing best
  /// weights is refused with the file and the reason.
  @Test func aDamagedCheckpointIsRefused() throws {
    let directory = try TemporaryDirectory()
    let trainer = try Self.trainer(Self.mlp, data: ("train.csv", Self.rows), in: directory)
    var saved: TrainingCheckpoint?
    let origin = TrainingCheckpoint.Origin(
      specPath: "spec.yaml", specText: Self.mlp, overrides: [], seed: nil, data: "d")
    _ = try trainer.run(observe: { _ in }) { _, record, progress in
      if record.epoch == 1 {
        saved = TrainingCheckpoint(trainer: trainer, progress: progress, origin: origin, name: "m")
      }
    }
    let good = try #require(saved)
    let path = directory.path("checkpoint.safetensors")
    let plan = trainer.interpreter.plan
    try good.write(to: path, plan: plan)
    let file = try SafetensorsFile(contentsOf: path)
    func refusal(_ edit: (inout [NamedTensor], inout [String: String]) -> Void) throws -> String {
      var (tensors, metadata) = (file.tensors, file.metadata)
      edit(&tensors, &metadata)
      try SafetensorsFile(tensors: tensors, metadata: metadata).write(to: path)
      let error = try #require(throws: SafetensorsError.self) { try TrainingCheckpoint(contentsOf: path, plan: plan) }
      return error.description
    }
    let nan = try refusal { tensors, _ in
      let index = tensors.firstIndex { $0.name == "optimizer.second.logits.bias" }!
      tensors[index].values[1] = .infinity
    }
    #expect(nan.contains("tensor \"optimizer.second.logits.bias\" holds inf at element 1"), "\(nan)")
    let epoch = try refusal { _, metadata in metadata["epoch"] = "13" }
    #expect(epoch.contains("impossible progress (epoch 13 of 12)"), "\(epoch)")
    let best = try refusal { tensors, _ in tensors.removeAll { $0.name.hasPrefix("best.") } }
    #expect(best.contains("missing tensor \"best.logits.bias\""), "\(best)")
    let format = try refusal { _, metadata in metadata["format"] = "netspec-checkpoint-9" }
    #expect(format.contains("this netspec reads `netspec-checkpoint-1`"), "\(format)")
  }
}

extension EpochMetrics {
  /// Everything but the timings, which differ between runs.
  var comparable: EpochMetrics {
    var copy = self
    copy.seconds = 0
    copy.samplesPerSecond = 0
    return copy
  }
}
