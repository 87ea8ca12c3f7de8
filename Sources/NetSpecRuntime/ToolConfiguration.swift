/// What an emitted package's tool knows of its spec: the training settings
/// and how the data in `Data/` and the samples to predict on are laid out.
/// `netspec compile --package` writes it as a literal.
public struct ToolConfiguration: Sendable {
  /// The spec's name, for output and checkpoint metadata.
  public var name: String
  /// The executable's name, for usage text and the default output directory.
  public var executable: String
  /// Parameters of the model (trainable and frozen), as `netspec train` counts them.
  public var parameterCount: Int
  /// The spec's training settings.
  public var settings: TrainingSettings
  /// Write a checkpoint every this many epochs (and at the end).
  public var checkpointEvery: Int
  /// The directory of the prepared splits (`train.inputs.f32`, ...).
  public var dataDirectory: String
  /// The shape of a stored training sample (before augmentation).
  public var trainShape: [Int]
  /// The shape of a validation or test sample, and of a sample the model takes.
  public var sampleShape: [Int]
  /// The shape of one label.
  public var labelShape: [Int]
  /// What the model's outputs mean, for `predict`.
  public var predictions: Predictions.Kind
  /// The training source's `scale`, applied to samples to predict on.
  public var scale: Float?
  /// Whether the training source standardizes: prediction then needs the
  /// statistics stored with the weights.
  public var standardizes: Bool
  /// The CSV label column of the training source, dropped from CSV samples
  /// to predict on that still have it.
  public var labelColumn: LabelColumn?
  /// The model's inputs, in order, when it has several: their names, the
  /// shape of one sample of each (a stored sample holds them side by side)
  /// and the factor of the training source's per-input `scale`, nil for an
  /// input it does not scale. Empty for a model with one input.
  public var inputs: [(name: String, shape: [Int], scale: Float?)]

  public init(
    name: String, executable: String, parameterCount: Int, settings: TrainingSettings, checkpointEvery: Int,
    dataDirectory: String, trainShape: [Int], sampleShape: [Int], labelShape: [Int], predictions: Predictions.Kind,
    scale: Float?, standardizes: Bool, labelColumn: LabelColumn?,
    inputs: [(name: String, shape: [Int], scale: Float?)] = []
  ) {
    self.name = name
    self.executable = executable
    self.parameterCount = parameterCount
    self.settings = settings
    self.checkpointEvery = checkpointEvery
    self.dataDirectory = dataDirectory
    self.trainShape = trainShape
    self.sampleShape = sampleShape
    self.labelShape = labelShape
    self.predictions = predictions
    self.scale = scale
    self.standardizes = standardizes
    self.labelColumn = labelColumn
    self.inputs = inputs
  }
}
