import Testing

@testable import NetSpec

/// The runtime's epoch loop on a scripted model: early stopping, the
/// restored best weights, the learning rate each step gets, and a loss that
/// stops being finite.
@Suite struct TrainingLoopTests {
  /// A model whose training loss in epoch `e` is `losses[e]`, and whose one
  /// weight is set to the number of updates taken so far.
  final class ScriptedModel: TrainableModel {
    let losses: [Float]
    let stepsPerEpoch: Int
    var forwards = 0
    var rates: [Float] = []
    let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: 7)

    init(losses: [Float], stepsPerEpoch: Int) {
      self.losses = losses
      self.stepsPerEpoch = stepsPerEpoch
      storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    var batchCapacity: Int { 2 }
    var inputBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[0..<2]) }
    var targetBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[2..<4]) }
    var predictionBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[4..<6]) }
    var predictionStride: Int { 1 }
    var parameterBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[6..<7]) }

    func forward(batch: Int, training: Bool) -> Float {
      guard training else { return 0 }
      defer { forwards += 1 }
      return losses[forwards / stepsPerEpoch]
    }

    func backward(batch: Int) {}

    func update(learningRate: Float) {
      rates.append(learningRate)
      parameterBuffer[0] = Float(rates.count)
    }
  }

  static func loop(epochs: Int, schedule: LearningRateSchedule, stopping: EarlyStoppingRule?) -> TrainingLoop {
    let data = Dataset(count: 4, inputs: [0, 1, 2, 3], inputShape: [1], labels: [0, 0, 0, 0], labelShape: [])
    return TrainingLoop(
      settings: TrainingSettings(
        epochs: epochs, batchSize: .size(2), learningRate: 0.1, schedule: schedule, earlyStopping: stopping,
        shuffle: true, augmentations: [], seed: 1, targetKind: .regression),
      train: data, validation: nil)
  }

  @Test func earlyStoppingRestoresTheBestEpochsWeights() throws {
    let model = ScriptedModel(losses: [3, 2, 2.5, 2.6, 2.7], stepsPerEpoch: 2)
    let stopping = EarlyStoppingRule(monitor: .loss, patience: 1, minDelta: 0, restoreBest: true)
    let loop = Self.loop(
      epochs: 5, schedule: LearningRateSchedule(kind: .constant, warmupEpochs: 0), stopping: stopping)
    var events: [String] = []
    let result = try loop.run(model) { event in
      if case .stoppedEarly(let epoch, let best) = event { events.append("stopped \(epoch) best \(best)") }
    }
    #expect(result.stoppedEarly && result.bestEpoch == 2 && result.history.count == 4)
    #expect(events == ["stopped 4 best 2"])
    #expect(model.parameterBuffer[0] == 4)  // the weight after epoch 2's two updates
  }

  @Test func eachStepGetsTheScheduledRate() throws {
    let model = ScriptedModel(losses: [1, 1, 1], stepsPerEpoch: 2)
    let schedule = LearningRateSchedule(kind: .step(every: 1, gamma: 0.5), warmupEpochs: 1)
    _ = try Self.loop(epochs: 3, schedule: schedule, stopping: nil).run(model) { _ in }
    let expected = [(0, 0.0), (0, 0.5), (1, 0.0), (1, 0.5), (2, 0.0), (2, 0.5)].map { epoch, progress in
      Float(schedule.rate(base: 0.1, epoch: epoch, epochs: 3, progress: progress))
    }
    #expect(model.rates == expected)
    #expect(model.rates[1] > model.rates[0] && model.rates[4] == model.rates[2] / 2)
  }

  @Test func aNonFiniteLossStopsTraining() {
    let model = ScriptedModel(losses: [1, .nan], stepsPerEpoch: 2)
    let loop = Self.loop(epochs: 2, schedule: LearningRateSchedule(kind: .constant, warmupEpochs: 0), stopping: nil)
    #expect(throws: TrainingFailure.self) { try loop.run(model) { _ in } }
    #expect(model.rates.count == 2)
  }
}
