/// The data a spec trains on, ready for batching: the splits, how they feed
/// the graph, and the input transform prediction must repeat.
public struct PreparedData: Sendable {
  /// The training split: in the order left by the split shuffle, or in file
  /// order when nothing is held out. Its samples are stored before
  /// augmentation: with a random crop, at the pre-crop size.
  public var train: Dataset
  /// The validation split; nil when `split.validation` is 0.
  public var validation: Dataset?
  /// The test split (from `split.test` or a separate `data.test`); nil when
  /// there is none.
  public var test: Dataset?
  /// The graph inputs the samples feed, in the model's order: one, or
  /// several side by side in each sample (a source naming one file or column
  /// group per input).
  public var inputs: [ValueID]
  /// The first (for most models, the only) input the samples feed.
  public var input: ValueID { inputs[0] }
  /// The loss target the labels feed; nil when the graph has no loss.
  public var target: ValueID?
  /// Sizes of the symbolic non-batch dimensions fixed by the data, e.g.
  /// `["T": 50]` for sequences of length 50.
  public var bindings: [String: Int]
  /// `scale` of the training source; nil when not given.
  public var scale: Float?
  /// The training statistics when `data.train` standardizes; applied (after
  /// `scale`) to every split.
  public var standardization: Standardization?
  /// `data.augment`, for the training batches only.
  public var augmentations: [Augmentation]
  /// Shuffle the training samples each epoch (`split.shuffle`).
  public var shuffle: Bool
  /// The seed every random choice is drawn from (`train.seed`).
  public var seed: Int
  /// What the readers decided about each CSV file, for the data banner:
  /// "`data/iris.csv`: scikit-learn header (line 1): …" or "…: no header row".
  public var csvHeaders: [String]

  /// The batches of one training epoch after another: shuffled and augmented
  /// as the spec says.
  public func trainingBatches(batchSize: BatchSize) -> Batcher {
    Batcher(train, batchSize: batchSize, shuffle: shuffle, augmentations: augmentations.map(\.kind), seed: seed)
  }

  /// Batches of `dataset` (the validation or test split) in order, unaugmented.
  public func evaluationBatches(_ dataset: Dataset, batchSize: BatchSize) -> Batcher {
    Batcher(dataset, batchSize: batchSize, shuffle: false, seed: seed)
  }
}
