import Testing

@testable import NetSpec

/// The runtime's epoch loop on a scripted model: early stopping, the
/// restored best weights, the learning rate each step gets, and a loss that
/// stops being finite.
@Suite struct TrainingLoopTests {
  /// A model whose training loss in epoch `e` is `losses[e]`, whose
  /// evaluation loss is `validationLoss`, and whose one weight is set to the
  /// number of updates taken so far.
  final class ScriptedModel: TrainableModel {
    let losses: [Float]
    let stepsPerEpoch: Int
    var validationLoss: Float = 0
    var forwards = 0
    var rates: [Float] = []
    /// Inputs, targets and predictions for 4 samples, then the weight.
    let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: 13)

    init(losses: [Float], stepsPerEpoch: Int) {
      self.losses = losses
      self.stepsPerEpoch = stepsPerEpoch
      storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    var batchCapacity: Int { 4 }
    var inputBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[0..<4]) }
    var targetBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[4..<8]) }
    var predictionBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[8..<12]) }
    var predictionStride: Int { 1 }
    var parameterBuffer: UnsafeMutableBufferPointer<Float> { .init(rebasing: storage[12..<13]) }

    func forward(batch: Int, training: Bool) -> Float {
      defer { forwards += 1 }
      return losses[forwards / stepsPerEpoch]
    }

    func infer(batch: Int) -> Float { validationLoss }

    func backward(batch: Int) {}

    func update(learningRate: Float) {
      rates.append(learningRate)
      parameterBuffer[0] = Float(rates.count)
    }
  }

  static let data = Dataset(count: 4, inputs: [0, 1, 2, 3], inputShape: [1], labels: [0, 0, 0, 0], labelShape: [])

  /// Four samples in batches of `batchSize` (two steps an epoch by default).
  static func loop(
    epochs: Int, schedule: LearningRateSchedule, stopping: EarlyStoppingRule?, batchSize: BatchSize = .size(2),
    validation: Bool = false
  ) -> TrainingLoop {
    TrainingLoop(
      settings: TrainingSettings(
        epochs: epochs, batchSize: batchSize, learningRate: 0.1, schedule: schedule, earlyStopping: stopping,
        shuffle: true, augmentations: [], seed: 1, targetKind: .regression),
      train: data, validation: validation ? data : nil)
  }

  static let constant = LearningRateSchedule(kind: .constant, warmupEpochs: 0)

  /// The epoch early stopping ends a run whose training loss per epoch is
  /// `losses`, at `patience`.
  static func stoppingEpoch(_ losses: [Float], patience: Int) throws -> (stopped: Int?, best: Int) {
    let model = ScriptedModel(losses: losses, stepsPerEpoch: 2)
    let stopping = EarlyStoppingRule(monitor: .loss, patience: patience, minDelta: 0, restoreBest: true)
    var stopped: Int?
    let result = try loop(epochs: losses.count, schedule: constant, stopping: stopping).run(model) { event in
      if case .stoppedEarly(let epoch, _) = event { stopped = epoch }
    }
    #expect(result.stoppedEarly == (stopped != nil) && result.history.count == stopped ?? losses.count)
    return (stopped, result.bestEpoch)
  }

  @Test func earlyStoppingRestoresTheBestEpochsWeights() throws {
    let model = ScriptedModel(losses: [3, 2, 2.5, 2.6, 2.7], stepsPerEpoch: 2)
    let stopping = EarlyStoppingRule(monitor: .loss, patience: 2, minDelta: 0, restoreBest: true)
    let loop = Self.loop(epochs: 5, schedule: Self.constant, stopping: stopping)
    var events: [String] = []
    let result = try loop.run(model) { event in
      if case .stoppedEarly(let epoch, let best) = event { events.append("stopped \(epoch) best \(best)") }
    }
    #expect(result.stoppedEarly && result.bestEpoch == 2 && result.history.count == 4)
    #expect(events == ["stopped 4 best 2"])
    #expect(model.parameterBuffer[0] == 4)  // the weight after epoch 2's two updates
  }

  /// Keras' EarlyStopping(patience=P) stops after P epochs in a row without
  /// improvement: with the best loss at epoch 2, patience 3 stops at epoch 5
  /// (epochs 3, 4, 5 did not improve), patience 1 (and 0) at epoch 3.
  @Test func patienceCountsTheEpochsWithoutImprovementAsKerasDoes() throws {
    let losses: [Float] = [3, 2, 2.5, 2.6, 2.7, 2.8, 2.9, 3]
    #expect(try Self.stoppingEpoch(losses, patience: 3) == (5, 2))
    #expect(try Self.stoppingEpoch(losses, patience: 1) == (3, 2))
    #expect(try Self.stoppingEpoch(losses, patience: 0) == (3, 2))
    // An improvement resets the count: epochs 3, 5, 6 do not improve, 4 does.
    #expect(try Self.stoppingEpoch([3, 2, 2.5, 1, 1.5, 1.6, 1.7, 1.8], patience: 2) == (6, 4))
    // Patience reached at the last epoch is the end of the run, not an early stop.
    #expect(try Self.stoppingEpoch([3, 2, 2.5, 2.6], patience: 2) == (nil, 2))
  }

  /// A monitored value that is never finite never becomes the best: the run
  /// stops after `patience` epochs holding its last weights.
  @Test func aNonFiniteMonitoredValueNeverImproves() throws {
    let rule = EarlyStoppingRule(monitor: .valLoss, patience: 1, minDelta: 0, restoreBest: true)
    #expect(!rule.improves(.nan, on: nil) && !rule.improves(-.infinity, on: 1) && rule.improves(0.5, on: 1))
    let model = ScriptedModel(losses: [1, 1, 1, 1], stepsPerEpoch: 2)
    model.validationLoss = .nan
    let result = try Self.loop(epochs: 4, schedule: Self.constant, stopping: rule, validation: true).run(model) { _ in }
    #expect(result.stoppedEarly && result.history.count == 1 && result.bestEpoch == 1)
    #expect(model.parameterBuffer[0] == 2)
  }

  /// Warm-up rises per step from lr/S to lr over S steps (PyTorch's
  /// `LambdaLR(opt, lambda s: (s + 1) / S)` for s < S), then the schedule runs
  /// per epoch over the remaining epochs. Rates computed by hand for lr 0.1.
  @Test func eachStepGetsTheScheduledRate() throws {
    // 2 steps an epoch, 1 warm-up epoch (S = 2), then step decay by 0.5 every epoch.
    let model = ScriptedModel(losses: [1, 1, 1], stepsPerEpoch: 2)
    let schedule = LearningRateSchedule(kind: .step(every: 1, gamma: 0.5), warmupEpochs: 1)
    _ = try Self.loop(epochs: 3, schedule: schedule, stopping: nil).run(model) { _ in }
    #expect(model.rates == [0.05, 0.1, 0.1, 0.1, 0.05, 0.05])
  }

  @Test func cosineAfterWarmupMatchesHandComputedRates() throws {
    // `batch_size: all`: one step an epoch. 5 epochs, 2 of warm-up (S = 2):
    // 0.1·1/2, 0.1·2/2; then cosine over T = 3 epochs, t = 0, 1, 2:
    // 0.1·(1 + cos 0)/2 = 0.1, 0.1·(1 + cos π/3)/2 = 0.075, 0.1·(1 + cos 2π/3)/2 = 0.025.
    let model = ScriptedModel(losses: [1, 1, 1, 1, 1], stepsPerEpoch: 1)
    let schedule = LearningRateSchedule(kind: .cosine(minLR: 0), warmupEpochs: 2)
    _ = try Self.loop(epochs: 5, schedule: schedule, stopping: nil, batchSize: .all).run(model) { _ in }
    let expected: [Float] = [0.05, 0.1, 0.1, 0.075, 0.025]
    #expect(model.rates.count == 5)
    #expect(zip(model.rates, expected).allSatisfy { abs($0 - $1) < 1e-7 }, "\(model.rates)")
  }

  /// With `batch_size: all` and one warm-up epoch, the first epoch trains at
  /// the full rate instead of (almost) zero.
  @Test func aOneStepWarmupEpochTrains() throws {
    let model = ScriptedModel(losses: [1, 1], stepsPerEpoch: 1)
    let schedule = LearningRateSchedule(kind: .cosine(minLR: 0), warmupEpochs: 1)
    _ = try Self.loop(epochs: 2, schedule: schedule, stopping: nil, batchSize: .all).run(model) { _ in }
    #expect(model.rates == [0.1, 0.1])
  }

  @Test func aNonFiniteLossStopsTraining() {
    let model = ScriptedModel(losses: [1, .nan], stepsPerEpoch: 2)
    let loop = Self.loop(epochs: 2, schedule: Self.constant, stopping: nil)
    let failure = #expect(throws: TrainingFailure.self) { try loop.run(model) { _ in } }
    #expect(model.rates.count == 2 && failure?.restoredEpoch == nil)
  }

  /// After a NaN loss, `restore_best` puts the best epoch's weights back and
  /// says which epoch they are.
  @Test func aNonFiniteLossRestoresTheBestEpoch() {
    let model = ScriptedModel(losses: [3, 2, 2.5, .nan], stepsPerEpoch: 2)
    let stopping = EarlyStoppingRule(monitor: .loss, patience: 5, minDelta: 0, restoreBest: true)
    let loop = Self.loop(epochs: 4, schedule: Self.constant, stopping: stopping)
    let failure = #expect(throws: TrainingFailure.self) { try loop.run(model) { _ in } }
    #expect(failure?.restoredEpoch == 2 && failure?.message.contains("best epoch, 2, were restored") == true)
    #expect(model.parameterBuffer[0] == 4)  // after epoch 2's updates, not epoch 3's 6
  }
}
