import Foundation

/// The epoch loop every NetSpec training runs: mini-batches in the seeded
/// order with the seeded augmentation (``Batcher``), the learning-rate
/// schedule, metrics, validation after each epoch, early stopping with the
/// best weights restored, and a checkpoint call after each epoch.
///
/// ```swift
/// let loop = TrainingLoop(settings: settings, train: trainSplit, validation: validationSplit)
/// let result = try loop.run(model, observe: { print($0) })
/// ```
public struct TrainingLoop: Sendable {
  /// What the run does.
  public let settings: TrainingSettings
  /// The training split, before augmentation.
  public let train: Dataset
  /// Scored after every epoch, when present.
  public let validation: Dataset?

  public init(settings: TrainingSettings, train: Dataset, validation: Dataset?) {
    self.settings = settings
    self.train = train
    self.validation = validation
  }

  /// The result of a run.
  public struct Result: Sendable {
    /// Every epoch's metrics, in order.
    public var history: [EpochMetrics]
    /// The epoch whose weights the model holds at the end (1-based).
    public var bestEpoch: Int
    /// Whether early stopping ended the run before its last epoch.
    public var stoppedEarly: Bool
  }

  /// The training batches, epoch after epoch.
  public var batches: Batcher {
    Batcher(
      train, batchSize: settings.batchSize, shuffle: settings.shuffle, augmentations: settings.augmentations,
      seed: settings.seed)
  }

  /// Runs the epochs on `model`, from the start or after `progress` (the
  /// model and its optimizer then hold the state they had there).
  /// `checkpoint` is called after each epoch with the progress so far, early
  /// stopping's verdict on the epoch included (the model then holds that
  /// epoch's weights). Throws ``TrainingFailure`` when the loss stops being
  /// finite, after putting the best epoch's weights back when early
  /// stopping's `restoreBest` is on (``TrainingFailure/restoredEpoch`` says
  /// which epoch). A run resumed after its last epoch or an early stop trains
  /// nothing and ends as that run ended.
  public func run(
    _ model: some TrainableModel, from progress: TrainingProgress = TrainingProgress(),
    observe: (TrainingEvent) -> Void, checkpoint: (EpochMetrics, TrainingProgress) throws -> Void = { _, _ in }
  ) throws -> Result {
    let epochs = settings.epochs
    var batches = self.batches
    var history: [EpochMetrics] = []
    var progress = progress
    if progress.stoppedEarly {
      return Result(history: [], bestEpoch: restore(model, progress.best) ?? progress.epoch, stoppedEarly: true)
    }
    for epoch in progress.epoch..<max(epochs, progress.epoch) {
      batches.start(epoch: epoch)
      let started = Date()
      var metrics = MetricAccumulator(scoresIoU: settings.scoresIoU)
      var step = 0
      var lr = settings.learningRate
      while let n = batches.next(inputs: model.inputBuffer, labels: model.targetBuffer) {
        precondition(n <= model.batchCapacity)
        lr = settings.schedule.rate(
          base: settings.learningRate, epoch: epoch, epochs: epochs, step: step,
          stepsPerEpoch: batches.batchesPerEpoch)
        let loss = model.forward(batch: n, training: true)
        guard loss.isFinite else {
          throw diverged(
            model, loss: loss, at: "epoch \(epoch + 1), step \(step + 1) (global step \(progress.step + 1))",
            best: progress.best)
        }
        // Read before the backward pass, which may reuse the terms' buffers.
        let terms = model.lossTermValues
        model.backward(batch: n)
        model.update(learningRate: Float(lr))
        score(&metrics, model, loss: loss, terms: terms, batch: n)
        step += 1
        progress.step += 1
        observe(
          .step(
            StepProgress(
              epoch: epoch + 1, epochs: epochs, step: step, stepsPerEpoch: batches.batchesPerEpoch, loss: metrics.loss,
              accuracy: metrics.accuracy, samples: metrics.samples, terms: metrics.terms)))
      }
      let seconds = Date().timeIntervalSince(started)
      let scored = validation.map { evaluate(model, on: $0) }
      let record = EpochMetrics(
        epoch: epoch + 1, step: progress.step, trainLoss: metrics.loss, train: metrics.named,
        validationLoss: scored?.loss, validation: scored?.named ?? [:], learningRate: lr, seconds: seconds,
        samplesPerSecond: Double(metrics.samples) / max(seconds, 1e-9))
      history.append(record)
      observe(.epoch(record))
      progress.epoch = epoch + 1
      judge(record, &progress, model)
      try checkpoint(record, progress)
      guard progress.stoppedEarly else { continue }
      let kept = restore(model, progress.best)
      observe(.stoppedEarly(epoch: epoch + 1, best: progress.best?.epoch ?? epoch + 1))
      return Result(history: history, bestEpoch: kept ?? epoch + 1, stoppedEarly: true)
    }
    return Result(history: history, bestEpoch: restore(model, progress.best) ?? epochs, stoppedEarly: false)
  }

  /// Early stopping's verdict on the epoch `record` ends, as Keras'
  /// EarlyStopping: a non-finite value never improves, and the run stops once
  /// `patience` epochs in a row brought no improvement (unless that is its
  /// last epoch). Keeps the model's weights when the epoch is the best so far
  /// and `restoreBest` is on.
  private func judge(_ record: EpochMetrics, _ progress: inout TrainingProgress, _ model: some TrainableModel) {
    guard let stopping = settings.earlyStopping, let value = stopping.monitor.value(in: record) else { return }
    if stopping.improves(value, on: progress.best?.value) {
      progress.best = BestEpoch(
        epoch: record.epoch, value: value, weights: stopping.restoreBest ? Array(model.parameterBuffer) : [])
      progress.sinceBest = 0
      return
    }
    progress.sinceBest += 1
    progress.stoppedEarly = progress.sinceBest >= stopping.patience && record.epoch < settings.epochs
  }

  /// Puts `best`'s weights back into `model` when early stopping restores
  /// them; returns the epoch whose weights the model then holds, nil when it
  /// keeps its current ones.
  private func restore(_ model: some TrainableModel, _ best: BestEpoch?) -> Int? {
    guard let best, settings.earlyStopping?.restoreBest == true else { return nil }
    _ = model.parameterBuffer.update(fromContentsOf: best.weights)
    return best.epoch
  }

  /// The failure for a loss that became `loss` at `place`, after restoring
  /// the best epoch's weights when early stopping keeps them.
  private func diverged(
    _ model: some TrainableModel, loss: Float, at place: String, best: BestEpoch?
  ) -> TrainingFailure {
    let advice = "Try a smaller learning rate or `clip_grad_norm`."
    if let epoch = restore(model, best) {
      return TrainingFailure(
        message: "the loss became \(loss) at \(place); training stopped and the weights of the best epoch, "
          + "\(epoch), were restored (`restore_best`). \(advice)",
        restoredEpoch: epoch)
    }
    return TrainingFailure(
      message: "the loss became \(loss) at \(place); training stopped and the last checkpoint was kept. \(advice)")
  }

  /// Mean loss and metrics of the model's current weights on `dataset`, in
  /// inference passes (evaluation mode: no dropout, batchnorm on running
  /// statistics), in batches of the model's capacity.
  public func evaluate(_ model: some TrainableModel, on dataset: Dataset) -> MetricAccumulator {
    var batches = Batcher(dataset, batchSize: .size(model.batchCapacity), shuffle: false, seed: settings.seed)
    var metrics = MetricAccumulator(scoresIoU: settings.scoresIoU)
    while let n = batches.next(inputs: model.inputBuffer, labels: model.targetBuffer) {
      let loss = model.infer(batch: n)
      score(&metrics, model, loss: loss, terms: model.lossTermValues, batch: n)
    }
    return metrics
  }

  private func score(
    _ metrics: inout MetricAccumulator, _ model: some TrainableModel, loss: Float, terms: [Float], batch: Int
  ) {
    metrics.add(
      loss: loss, batch: batch, prediction: model.predictionBuffer.baseAddress!,
      target: model.scoredTargetBuffer.baseAddress!, predictionCount: batch * model.predictionStride,
      kind: settings.targetKind)
    metrics.addTerms(model.lossTermNames, terms, batch: batch)
  }
}
