/// Cuts a ``Dataset`` into mini-batches, epoch after epoch.
///
/// Each epoch visits every sample exactly once: in a fresh random order when
/// shuffling (drawn from `seed` and the epoch number, so epoch `k` has the
/// same order however training got there), else in dataset order. Batches
/// hold `batchSize` samples except the last of an epoch, which may be
/// smaller. Training batches may be augmented; the random draws come from
/// their own per-epoch stream, so the same seed gives the same batches.
///
/// ```swift
/// var batches = Batcher(data.train, batchSize: .size(64), shuffle: true, seed: 42)
/// var x = [Float](repeating: 0, count: batches.batchSize * batches.inputStride)
/// var y = [Float](repeating: 0, count: batches.batchSize * batches.labelStride)
/// batches.start(epoch: 0)
/// while let n = x.withUnsafeMutableBufferPointer({ xs in
///   y.withUnsafeMutableBufferPointer { ys in batches.next(inputs: xs, labels: ys) }
/// }) {
///   // the first n samples of x and y are the batch
/// }
/// ```
public struct Batcher: Sendable {
  /// The samples.
  public let dataset: Dataset
  /// Samples per full batch: the dataset's size for `batch_size: all`
  /// (and at most the dataset's size).
  public let batchSize: Int
  /// The shape of one sample in a batch (after augmentation: a random crop
  /// sets the last two sizes).
  public let sampleShape: [Int]
  /// Values per sample in a batch.
  public let inputStride: Int
  /// Values per label.
  public let labelStride: Int

  private let shuffle: Bool
  private let seed: UInt64
  private let augmenter: Augmenter?
  private var order: [Int] = []
  private var position = 0
  private var random: RandomGenerator
  private var scratch: [Float]

  /// A batcher over `dataset`. `augmentations` apply to every sample of every
  /// batch (pass them for the training split only); their crops must fit the
  /// samples (NetSpec's data pipeline checks this).
  public init(
    _ dataset: Dataset, batchSize: BatchSize, shuffle: Bool, augmentations: [AugmentationStep] = [], seed: Int
  ) {
    self.dataset = dataset
    switch batchSize {
    case .all: self.batchSize = max(dataset.count, 1)
    case .size(let size): self.batchSize = max(1, min(size, max(dataset.count, 1)))
    }
    self.shuffle = shuffle
    self.seed = UInt64(truncatingIfNeeded: seed)
    augmenter = augmentations.isEmpty ? nil : Augmenter(augmentations, inputShape: dataset.inputShape)
    sampleShape = augmenter?.outputShape ?? dataset.inputShape
    inputStride = sampleShape.reduce(1, *)
    labelStride = dataset.labelStride
    scratch = [Float](repeating: 0, count: augmenter?.scratchCount ?? 0)
    random = RandomGenerator(seed: self.seed, stream: DataRandomStream.augment(epoch: 0))
    start(epoch: 0)
  }

  /// Batches per epoch: the sample count divided by the batch size, rounded up.
  public var batchesPerEpoch: Int { (dataset.count + batchSize - 1) / batchSize }

  /// Begins epoch `epoch` (counted from 0): a new order and augmentation stream.
  public mutating func start(epoch: Int) {
    let stream = UInt64(truncatingIfNeeded: epoch)
    if shuffle {
      var shuffler = RandomGenerator(seed: seed, stream: DataRandomStream.shuffle(epoch: stream))
      order = shuffler.permutation(dataset.count)
    } else {
      order = Array(0..<dataset.count)
    }
    random = RandomGenerator(seed: seed, stream: DataRandomStream.augment(epoch: stream))
    position = 0
  }

  /// Copies the next batch into `inputs` (`batchSize × inputStride` values,
  /// sample-major) and `labels` (`batchSize × labelStride`), augmenting when
  /// configured. Returns the number of samples in the batch, or nil when the
  /// epoch is over.
  public mutating func next(
    inputs: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Float>
  ) -> Int? {
    guard position < order.count else { return nil }
    let count = min(batchSize, order.count - position)
    precondition(
      inputs.count >= count * inputStride && labels.count >= count * labelStride,
      "batch buffers are too small")
    let (sourceStride, labelStride, inputStride) = (dataset.inputStride, self.labelStride, self.inputStride)
    dataset.inputs.withUnsafeBufferPointer { source in
      for slot in 0..<count {
        let sample = order[position + slot]
        let from = UnsafeBufferPointer(rebasing: source[(sample * sourceStride)..<((sample + 1) * sourceStride)])
        let to = UnsafeMutableBufferPointer(rebasing: inputs[(slot * inputStride)..<((slot + 1) * inputStride)])
        if let augmenter {
          scratch.withUnsafeMutableBufferPointer { scratch in
            augmenter.augment(from, into: to, scratch: scratch, random: &random)
          }
        } else {
          _ = to.initialize(from: from)
        }
      }
    }
    dataset.labels.withUnsafeBufferPointer { source in
      for slot in 0..<count {
        let sample = order[position + slot]
        for k in 0..<labelStride { labels[slot * labelStride + k] = source[sample * labelStride + k] }
      }
    }
    position += count
    return count
  }
}

/// How many samples each gradient step averages over (`train.batch_size`).
public enum BatchSize: Sendable, Hashable {
  /// Full-batch gradient descent: one step per epoch over the whole training split.
  case all
  /// Mini-batches of this many samples (1 is stochastic gradient descent); the
  /// last batch of an epoch may be smaller.
  case size(Int)
}
