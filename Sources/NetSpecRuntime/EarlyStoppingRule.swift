/// When training stops early (`train.early_stopping`): after `patience`
/// epochs in a row in which the monitored quantity did not improve by more
/// than `minDelta` on its best value, as Keras' `EarlyStopping(patience=P)`
/// (patience 0 stops at the first epoch without improvement, like 1).
public struct EarlyStoppingRule: Sendable, Hashable {
  /// The quantity watched at the end of each epoch.
  public enum Monitor: String, Sendable, CaseIterable {
    case valLoss = "val_loss"
    case valAccuracy = "val_accuracy"
    case valMSE = "val_mse"
    case valMAE = "val_mae"
    case loss
    case accuracy

    /// True for accuracies (improving means rising); losses and errors improve
    /// by falling.
    public var higherIsBetter: Bool { self == .valAccuracy || self == .accuracy }

    /// True when measured on the validation split, which must then exist.
    public var needsValidation: Bool { rawValue.hasPrefix("val_") }

    /// The monitored value in `record`; nil when the record lacks it.
    public func value(in record: EpochMetrics) -> Double? {
      switch self {
      case .valLoss: record.validationLoss
      case .valAccuracy: record.validation["accuracy"]
      case .valMSE: record.validation["mse"]
      case .valMAE: record.validation["mae"]
      case .loss: record.trainLoss
      case .accuracy: record.train["accuracy"]
      }
    }
  }

  /// The quantity watched.
  public var monitor: Monitor
  /// Epochs in a row without improvement that stop the run.
  public var patience: Int
  /// The smallest change that counts as an improvement.
  public var minDelta: Double
  /// Restore the weights of the best epoch when training ends.
  public var restoreBest: Bool

  public init(monitor: Monitor, patience: Int, minDelta: Double, restoreBest: Bool) {
    self.monitor = monitor
    self.patience = patience
    self.minDelta = minDelta
    self.restoreBest = restoreBest
  }

  /// Whether `value` improves on `best`: never when it is NaN or infinite,
  /// always when there is no best yet.
  public func improves(_ value: Double, on best: Double?) -> Bool {
    guard value.isFinite else { return false }
    guard let best else { return true }
    return monitor.higherIsBetter ? value > best + minDelta : value < best - minDelta
  }
}
