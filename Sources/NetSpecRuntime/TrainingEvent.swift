/// What a ``TrainingLoop`` reports while it runs, for progress output and logs.
public enum TrainingEvent: Sendable {
  /// A training step finished.
  case step(StepProgress)
  /// An epoch finished, with its metrics.
  case epoch(EpochMetrics)
  /// Early stopping ended the run after `epoch`; the best epoch was `best`.
  case stoppedEarly(epoch: Int, best: Int)
}

/// Progress within an epoch.
public struct StepProgress: Sendable {
  public var epoch: Int
  public var epochs: Int
  public var step: Int
  public var stepsPerEpoch: Int
  /// Mean training loss of the epoch so far.
  public var loss: Double
  /// Training accuracy of the epoch so far, when the task has one.
  public var accuracy: Double?
  /// Samples trained on in the epoch so far.
  public var samples: Int
  /// The mean of each term of a loss of several so far, keyed `loss_<term>`.
  public var terms: [String: Double]

  public init(
    epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, loss: Double, accuracy: Double?, samples: Int,
    terms: [String: Double] = [:]
  ) {
    self.epoch = epoch
    self.epochs = epochs
    self.step = step
    self.stepsPerEpoch = stepsPerEpoch
    self.loss = loss
    self.accuracy = accuracy
    self.samples = samples
    self.terms = terms
  }
}

/// Why training stopped before its last epoch, other than early stopping.
public struct TrainingFailure: Error, Sendable, CustomStringConvertible {
  public var message: String
  /// The epoch (1-based) whose weights the model holds after the failure,
  /// when early stopping's `restore_best` restored them; the caller saves
  /// them as the run's checkpoint. Nil when the model holds the weights of
  /// the failing step.
  public var restoredEpoch: Int?

  public init(message: String, restoredEpoch: Int? = nil) {
    self.message = message
    self.restoredEpoch = restoredEpoch
  }

  public var description: String { message }
}
