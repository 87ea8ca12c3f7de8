/// What one epoch of training measured: one line of the metrics log, one
/// summary line of the progress output, one point of each chart curve.
///
/// Metrics are keyed by name (`accuracy`, `mean_iou`, `mse`, `mae`, ...);
/// accuracy and mean IoU are fractions in 0...1. Validation values are absent when there is no
/// validation split.
public struct EpochMetrics: Sendable, Equatable {
  /// The epoch, counted from 1.
  public var epoch: Int
  /// Optimizer steps taken since training began, at the end of this epoch.
  public var step: Int
  /// Mean training loss over the epoch.
  public var trainLoss: Double
  /// Training metrics by name.
  public var train: [String: Double]
  /// Validation loss, when there is a validation split.
  public var validationLoss: Double?
  /// Validation metrics by name.
  public var validation: [String: Double]
  /// The learning rate at the end of the epoch.
  public var learningRate: Double
  /// Wall-clock seconds the epoch took.
  public var seconds: Double
  /// Training samples processed per second.
  public var samplesPerSecond: Double

  /// A record; metrics default to none.
  public init(
    epoch: Int, step: Int, trainLoss: Double, train: [String: Double] = [:],
    validationLoss: Double? = nil, validation: [String: Double] = [:],
    learningRate: Double, seconds: Double, samplesPerSecond: Double
  ) {
    self.epoch = epoch
    self.step = step
    self.trainLoss = trainLoss
    self.train = train
    self.validationLoss = validationLoss
    self.validation = validation
    self.learningRate = learningRate
    self.seconds = seconds
    self.samplesPerSecond = samplesPerSecond
  }

  /// Metric names in reporting order: `accuracy`, `mean_iou`, `mse`, `mae`,
  /// then any others alphabetically.
  public static func ordered(_ names: some Sequence<String>) -> [String] {
    let known = ["accuracy", "mean_iou", "mse", "mae"]
    return names.sorted { a, b in
      let (ra, rb) = (known.firstIndex(of: a) ?? known.count, known.firstIndex(of: b) ?? known.count)
      return ra != rb ? ra < rb : a < b
    }
  }
}
