import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// A loss that becomes NaN or infinite stops training with a message naming
/// the step, and the last checkpoint written stays whole.
@Suite struct DivergenceTests {
  /// Linear regression with a learning rate far above the stable limit: each
  /// full-batch step multiplies the error by about -11, so the loss overflows
  /// float32 after a few dozen epochs.
  static func spec(data: String) -> String {
    """
    netspec: 1
    inputs: {x: [N, 1]}
    layers:
      - dense: {units: 1, name: line}
    train: {loss: mse, optimizer: {sgd: {lr: 5}}, batch_size: all, epochs: 500}
    data:
      train: {csv: \(data), label: last}
    """
  }

  @Test func divergingLossStopsWithTheStepAndKeepsTheLastCheckpoint() throws {
    let directory = try TemporaryDirectory()
    let rows = (0..<20).map { i in "\(Double(i) / 10),\(Double(i) / 5)" }.joined(separator: "\n")
    try rows.write(toFile: directory.path("line.csv"), atomically: true, encoding: .utf8)
    let (spec, data) = try InlineSpec.load(Self.spec(data: "line.csv"), path: directory.path("line.yaml"), seed: 0)
    let trainer = try Trainer(spec: spec, data: data)
    let weights = directory.path("weights.safetensors")
    var saved: (epoch: Int, tensors: [NamedTensor])?
    var thrown: TrainingFailure?
    do {
      _ = try trainer.run(
        observe: { _ in },
        checkpoint: { interpreter, record, _ in
          try Checkpoint.write(interpreter, to: weights, metadata: ["epoch": String(record.epoch)])
          saved = (record.epoch, Checkpoint.tensors(of: interpreter))
        })
    } catch let failure as TrainingFailure {
      thrown = failure
    }
    let failure = try #require(thrown, "training of a diverging model must fail")
    let last = try #require(saved, "the first epochs have finite losses and are checkpointed")
    #expect(last.epoch > 1 && last.epoch < 500)
    // The failing epoch is the one after the last checkpoint; it has one step.
    #expect(failure.message.contains("at epoch \(last.epoch + 1), step 1 (global step \(last.epoch + 1))"))
    #expect(failure.message.contains("the last checkpoint was kept"))
    let onDisk = try SafetensorsFile(contentsOf: weights)
    #expect(onDisk.metadata["epoch"] == String(last.epoch))
    // The file stores tensors sorted by name.
    #expect(onDisk.tensors == last.tensors.sorted { $0.name < $1.name })
    #expect(onDisk.tensors.allSatisfy { tensor in tensor.values.allSatisfy { $0.isFinite } })
  }
}
