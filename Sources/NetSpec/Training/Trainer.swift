import Foundation

/// Trains a checked spec on prepared data with the interpreter, as its `train:`
/// section says: mini-batches, the optimizer and learning-rate schedule, L2
/// weight decay, gradient clipping, validation each epoch and early stopping.
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
  private let prediction: ValueID

  /// - Parameters:
  ///   - epochs: Overrides `train.epochs`.
  ///   - seed: Overrides `train.seed` for initialization and dropout.
  public init(spec: CheckedSpec, data: PreparedData, epochs: Int? = nil, seed: Int? = nil) throws {
    guard let train = spec.document.train, let lossNode = spec.graph.lossNode else {
      throw TrainingFailure(message: "the spec has no `train:` section with a loss")
    }
    self.spec = spec
    self.data = data
    self.train = train
    self.epochs = epochs ?? train.epochs
    prediction = lossNode.inputs[0]
    let predictionType = spec.graph.values[prediction].type
    switch lossNode.op {
    case is CrossEntropyLoss: targetKind = .classIndex(classes: predictionType.shape.last!.staticValue!)
    case is BinaryCrossEntropyLoss: targetKind = .binary
    default: targetKind = .regression
    }
    let capacity: Int
    switch train.batchSize {
    case .all: capacity = max(data.train.count, data.validation?.count ?? 0, data.test?.count ?? 0, 1)
    case .size(let n): capacity = max(1, min(n, data.train.count))
    }
    let plan = try Planner.plan(spec.graph, capacity: capacity, bindings: data.bindings, training: true)
    interpreter = Interpreter(plan: plan, seed: UInt64(truncatingIfNeeded: seed ?? train.seed))
    optimizer = Optimizer(train.optimizer.algorithm, weightDecay: train.weightDecay, count: plan.trainableCount)
  }

  /// The result of a run.
  public struct Result: Sendable {
    public var history: [EpochMetrics]
    /// The epoch whose weights the interpreter holds at the end (1-based).
    public var bestEpoch: Int
    public var stoppedEarly: Bool
  }

  /// Runs the epochs. `checkpoint` is called after each epoch whose loss is
  /// finite (the interpreter then holds that epoch's weights).
  public func run(
    observe: (TrainingEvent) -> Void, checkpoint: (Interpreter, EpochMetrics) throws -> Void = { _, _ in }
  ) throws -> Result {
    var batches = data.trainingBatches(batchSize: train.batchSize)
    let capacity = interpreter.plan.capacity
    let inputs = interpreter.buffer(of: data.input)
    let targets = interpreter.buffer(of: data.target ?? spec.graph.targets[0])
    var history: [EpochMetrics] = []
    var best: (epoch: Int, value: Double, weights: [Float])?
    var sinceBest = 0
    var globalStep = 0
    let parameterCount = interpreter.plan.parameterArenaSize
    for epoch in 0..<epochs {
      batches.start(epoch: epoch)
      let started = Date()
      var metrics = MetricAccumulator()
      var step = 0
      var lr = train.optimizer.learningRate
      while let n = batches.next(inputs: inputs, labels: targets) {
        precondition(n <= capacity)
        lr = train.schedule.rate(
          base: train.optimizer.learningRate, epoch: epoch, epochs: epochs,
          progress: Double(step) / Double(batches.batchesPerEpoch))
        interpreter.forward(batch: n, training: true)
        let loss = interpreter.loss
        guard loss.isFinite else {
          throw TrainingFailure(
            message: "the loss became \(loss) at epoch \(epoch + 1), step \(step + 1) (global step \(globalStep + 1)); "
              + "training stopped and the last checkpoint was kept. Try a smaller learning rate or `clip_grad_norm`.")
        }
        interpreter.backward(batch: n)
        if let maxNorm = train.clipGradNorm {
          Optimizer.clip(interpreter.gradients, count: interpreter.plan.trainableCount, maxNorm: Float(maxNorm))
        }
        optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: Float(lr))
        score(&metrics, loss: loss, batch: n)
        step += 1
        globalStep += 1
        observe(
          .step(
            StepProgress(
              epoch: epoch + 1, epochs: epochs, step: step, stepsPerEpoch: batches.batchesPerEpoch, loss: metrics.loss,
              accuracy: metrics.accuracy, samples: metrics.samples)))
      }
      let seconds = Date().timeIntervalSince(started)
      let validation = data.validation.map { evaluate($0) }
      let record = EpochMetrics(
        epoch: epoch + 1, step: globalStep, trainLoss: metrics.loss, train: metrics.named,
        validationLoss: validation?.loss, validation: validation?.named ?? [:], learningRate: lr, seconds: seconds,
        samplesPerSecond: Double(metrics.samples) / max(seconds, 1e-9))
      history.append(record)
      observe(.epoch(record))
      try checkpoint(interpreter, record)
      guard let stopping = train.earlyStopping, let value = monitored(stopping.monitor, record) else { continue }
      let improved =
        best.map {
          stopping.monitor.higherIsBetter ? value > $0.value + stopping.minDelta : value < $0.value - stopping.minDelta
        } ?? true
      if improved {
        let weights =
          stopping.restoreBest ? Array(UnsafeBufferPointer(start: interpreter.parameters, count: parameterCount)) : []
        best = (epoch + 1, value, weights)
        sinceBest = 0
      } else {
        sinceBest += 1
        if sinceBest > stopping.patience {
          let bestEpoch = best!.epoch
          if stopping.restoreBest { restore(best!.weights) }
          observe(.stoppedEarly(epoch: epoch + 1, best: bestEpoch))
          return Result(history: history, bestEpoch: stopping.restoreBest ? bestEpoch : epoch + 1, stoppedEarly: true)
        }
      }
    }
    if let best, train.earlyStopping?.restoreBest == true, best.epoch != epochs {
      restore(best.weights)
      return Result(history: history, bestEpoch: best.epoch, stoppedEarly: false)
    }
    return Result(history: history, bestEpoch: epochs, stoppedEarly: false)
  }

  /// Mean loss and metrics of the current weights on `dataset`, in evaluation
  /// mode (no dropout, batchnorm on running statistics).
  public func evaluate(_ dataset: Dataset) -> MetricAccumulator {
    var batches = data.evaluationBatches(dataset, batchSize: .size(interpreter.plan.capacity))
    let inputs = interpreter.buffer(of: data.input)
    let targets = interpreter.buffer(of: data.target ?? spec.graph.targets[0])
    var metrics = MetricAccumulator()
    batches.start(epoch: 0)
    while let n = batches.next(inputs: inputs, labels: targets) {
      interpreter.forward(batch: n, training: false)
      score(&metrics, loss: interpreter.loss, batch: n)
    }
    return metrics
  }

  private func score(_ metrics: inout MetricAccumulator, loss: Float, batch: Int) {
    let predictionBuffer = interpreter.plan.buffers[interpreter.plan.valueBuffers[prediction]!]
    let targetValue = data.target ?? spec.graph.targets[0]
    metrics.add(
      loss: loss, batch: batch, prediction: interpreter.buffer(of: prediction).baseAddress!,
      target: interpreter.buffer(of: targetValue).baseAddress!, predictionCount: batch * predictionBuffer.perSample,
      kind: targetKind)
  }

  private func restore(_ weights: [Float]) {
    for (i, w) in weights.enumerated() { interpreter.parameters[i] = w }
  }

  private func monitored(_ monitor: EarlyStopping.Monitor, _ record: EpochMetrics) -> Double? {
    switch monitor {
    case .valLoss: record.validationLoss
    case .valAccuracy: record.validation["accuracy"]
    case .valMSE: record.validation["mse"]
    case .valMAE: record.validation["mae"]
    case .loss: record.trainLoss
    case .accuracy: record.train["accuracy"]
    }
  }
}
