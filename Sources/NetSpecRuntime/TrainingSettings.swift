/// What one training run does, from a spec's `train:` and `data:` sections:
/// the values ``TrainingLoop`` reads, the same for `netspec train` and the
/// tool of an emitted package.
public struct TrainingSettings: Sendable, Equatable {
  /// Epochs to train.
  public var epochs: Int
  /// Samples per optimizer step.
  public var batchSize: BatchSize
  /// The base learning rate.
  public var learningRate: Double
  /// How the rate changes over the epochs.
  public var schedule: LearningRateSchedule
  /// nil: train every epoch.
  public var earlyStopping: EarlyStoppingRule?
  /// Shuffle the training samples each epoch.
  public var shuffle: Bool
  /// Applied to each training sample, drawn afresh each epoch.
  public var augmentations: [AugmentationStep]
  /// Seeds the batch order and the augmentation draws.
  public var seed: Int
  /// How predictions are scored against targets.
  public var targetKind: MetricAccumulator.TargetKind
  /// Whether the metrics include the mean IoU (the targets are segmentation maps).
  public var scoresIoU: Bool

  public init(
    epochs: Int, batchSize: BatchSize, learningRate: Double, schedule: LearningRateSchedule,
    earlyStopping: EarlyStoppingRule?, shuffle: Bool, augmentations: [AugmentationStep], seed: Int,
    targetKind: MetricAccumulator.TargetKind, scoresIoU: Bool = false
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.schedule = schedule
    self.earlyStopping = earlyStopping
    self.shuffle = shuffle
    self.augmentations = augmentations
    self.seed = seed
    self.targetKind = targetKind
    self.scoresIoU = scoresIoU
  }
}
