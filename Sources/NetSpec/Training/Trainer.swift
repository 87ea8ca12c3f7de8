import Foundation

/// Trains a checked spec on prepared data with the interpreter, as its `train:`
/// section says: the runtime's ``TrainingLoop`` (mini-batches, learning-rate
/// schedule, validation each epoch, early stopping) driving the interpreter
/// with the spec's optimizer, L2 weight decay and gradient clipping.
///
/// ```swift
/// let trainer = try Trainer(spec: spec, data: prepared)
/// let result = try trainer.run { event in print(event) }
/// ```
public final class Trainer {
  public let spec: CheckedSpec
  public let data: PreparedData
  public let train: TrainSpec
  public let interpreter: Interpreter
  public let optimizer: Optimizer
  public let epochs: Int
  /// How predictions are scored against targets.
  public let targetKind: MetricAccumulator.TargetKind
  /// The runtime's epoch loop, which this trainer runs on the interpreter.
  public let loop: TrainingLoop
  private let model: InterpreterModel

  /// - Parameters:
  ///   - epochs: Overrides `train.epochs`.
  ///   - seed: Overrides `train.seed` for initialization and dropout.
  public init(spec: CheckedSpec, data: PreparedData, epochs: Int? = nil, seed: Int? = nil) throws {
    guard let train = spec.document.train, spec.graph.lossNode != nil else {
      throw TrainingFailure(message: "the spec has no `train:` section with a loss")
    }
    self.spec = spec
    self.data = data
    self.train = train
    self.epochs = epochs ?? train.epochs
    targetKind = Self.targetKind(spec.graph)
    let capacity: Int
    switch train.batchSize {
    case .all: capacity = max(data.train.count, data.validation?.count ?? 0, data.test?.count ?? 0, 1)
    case .size(let n): capacity = max(1, min(n, data.train.count))
    }
    let plan = try Planner.plan(spec.graph, capacity: capacity, bindings: data.bindings, training: true)
    interpreter = Interpreter(plan: plan, seed: UInt64(truncatingIfNeeded: seed ?? train.seed))
    optimizer = Optimizer(train.optimizer.algorithm, weightDecay: train.weightDecay, count: plan.trainableCount)
    model = InterpreterModel(
      interpreter: interpreter, optimizer: optimizer, clipGradNorm: train.clipGradNorm.map(Float.init),
      inputs: data.inputs, target: data.target ?? spec.graph.targets.first, labelStride: data.train.labelStride)
    loop = TrainingLoop(
      settings: TrainingSettings(
        epochs: self.epochs, batchSize: train.batchSize, learningRate: train.optimizer.learningRate,
        schedule: train.schedule.runtime, earlyStopping: train.earlyStopping?.rule, shuffle: data.shuffle,
        augmentations: data.augmentations.map(\.kind), seed: data.seed, targetKind: targetKind,
        scoresIoU: Self.scoresIoU(spec.graph)),
      train: data.train, validation: data.validation)
  }

  /// How a graph's loss scores its prediction: class indices (cross-entropy,
  /// on its class axis), 0/1 labels (binary cross-entropy) or values; the
  /// graph has a loss.
  static func targetKind(_ graph: Graph) -> MetricAccumulator.TargetKind {
    let lossNode = graph.lossNode!
    switch lossNode.op {
    case let loss as CrossEntropyLoss:
      let logits = graph.values[lossNode.inputs[0]].type.shape
      let axis = loss.classAxis(rank: logits.count)
      let inner = logits[(axis + 1)...].reduce(1) { $0 * ($1.staticValue ?? 1) }
      return .classIndex(classes: logits[axis].staticValue!, inner: inner)
    case is BinaryCrossEntropyLoss: return .binary
    default: return .regression
    }
  }

  /// Whether the metrics include the mean IoU: the loss scores class
  /// indices or 0/1 targets that are maps, with at least two axes per sample
  /// (a segmentation mask `[N, H, W]`, or `[N, 1, H, W]`).
  static func scoresIoU(_ graph: Graph) -> Bool {
    let lossNode = graph.lossNode!
    guard lossNode.op is CrossEntropyLoss || lossNode.op is BinaryCrossEntropyLoss, lossNode.inputs.count > 1 else {
      return false
    }
    return graph.values[lossNode.inputs[1]].type.shape.count >= 3
  }

  /// The result of a run.
  public typealias Result = TrainingLoop.Result

  /// Runs the epochs, from the start or after `progress` (restore the
  /// interpreter's and optimizer's state first: ``TrainingCheckpoint``).
  /// `checkpoint` is called after each epoch whose loss is finite (the
  /// interpreter then holds that epoch's weights) with the progress so far.
  public func run(
    from progress: TrainingProgress = TrainingProgress(), observe: (TrainingEvent) -> Void,
    checkpoint: (Interpreter, EpochMetrics, TrainingProgress) throws -> Void = { _, _, _ in }
  ) throws -> Result {
    try loop.run(model, from: progress, observe: observe) { try checkpoint(interpreter, $0, $1) }
  }

  /// Mean loss and metrics of the current weights on `dataset`, in inference
  /// passes (no dropout, batchnorm on running statistics, folded where the plan folds it).
  public func evaluate(_ dataset: Dataset) -> MetricAccumulator {
    loop.evaluate(model, on: dataset)
  }

  /// The class the current weights predict at every position the loss
  /// scores, for the first `count` samples of `dataset` (at most one batch),
  /// in evaluation mode: the arg-max over the class axis of class logits, a
  /// logit above 0 for a binary output, from an inference pass. Nil for a loss over values.
  public func predictedClasses(_ dataset: Dataset, count: Int) -> [Int]? {
    let n = min(count, dataset.count, model.batchCapacity)
    var batches = Batcher(dataset.subset(0..<n), batchSize: .size(n), shuffle: false, seed: data.seed)
    guard batches.next(inputs: model.inputBuffer, labels: model.targetBuffer) != nil else { return [] }
    _ = model.infer(batch: n)
    let logits = model.predictionBuffer
    switch targetKind {
    case .regression: return nil
    case .binary: return (0..<(n * model.predictionStride)).map { logits[$0] > 0 ? 1 : 0 }
    case .classIndex(let classes, let inner):
      return (0..<(n * model.predictionStride / classes)).map { position in
        let row = (position / inner) * classes * inner + position % inner
        var best = 0
        for c in 1..<classes where logits[row + c * inner] > logits[row + best * inner] { best = c }
        return best
      }
    }
  }
}
