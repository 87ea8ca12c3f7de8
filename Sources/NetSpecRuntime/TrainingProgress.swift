/// Where a run of ``TrainingLoop`` stands after an epoch: what the loop needs,
/// besides the model's weights and optimizer state, to continue it as if it
/// had never stopped. The data's random draws (batch order, augmentation) are
/// derived afresh each epoch from the seed and the epoch number, and the
/// learning rate from the epoch, the step and the run's epoch count, so none
/// of them is kept here.
///
/// ```swift
/// var saved: TrainingProgress?
/// _ = try loop.run(model, observe: { _ in }, checkpoint: { _, progress in saved = progress })
/// _ = try loop.run(model, from: saved!, observe: { _ in })   // continues after saved!.epoch
/// ```
public struct TrainingProgress: Sendable, Equatable {
  /// Epochs finished (0 before the first).
  public var epoch: Int
  /// Optimizer steps taken in all epochs so far.
  public var step: Int
  /// The best epoch early stopping has seen so far, when it is on.
  public var best: BestEpoch?
  /// Epochs in a row since the best one that did not improve on it.
  public var sinceBest: Int
  /// Whether early stopping ended the run after ``epoch``.
  public var stoppedEarly: Bool

  /// Progress after `epoch` epochs and `step` steps (by default, a run not yet started).
  public init(epoch: Int = 0, step: Int = 0, best: BestEpoch? = nil, sinceBest: Int = 0, stoppedEarly: Bool = false) {
    self.epoch = epoch
    self.step = step
    self.best = best
    self.sinceBest = sinceBest
    self.stoppedEarly = stoppedEarly
  }

  /// Whether the run is over: all of its `epochs` trained, or stopped early.
  public func finished(epochs: Int) -> Bool { stoppedEarly || epoch >= epochs }
}

/// The best epoch early stopping has seen: its number, the monitored value,
/// and every parameter of the model after it when `restore_best` keeps them
/// (else empty).
public struct BestEpoch: Sendable, Equatable {
  /// The epoch (1-based).
  public var epoch: Int
  /// The monitored value after it.
  public var value: Double
  /// The model's ``TrainableModel/parameterBuffer`` after it, or empty.
  public var weights: [Float]

  public init(epoch: Int, value: Double, weights: [Float]) {
    self.epoch = epoch
    self.value = value
    self.weights = weights
  }
}
