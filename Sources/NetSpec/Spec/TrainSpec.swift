import NetSpecDiagnostics
import NetSpecRuntime
import NetSpecYAML

/// The `train:` section: what to minimize, how, for how long, and what to watch.
/// Every key but `loss` has a default (see `docs/SPEC-training.md`).
public struct TrainSpec: Sendable {
  /// The terms of the objective, in the order written: one for `loss: mse`,
  /// several for a list, whose weighted sum is minimized.
  public var losses: [LossDecl]
  /// The first term, whose prediction the metrics (accuracy, MSE) score.
  public var loss: LossDecl { losses[0] }
  /// Adam with lr 1e-3 unless given.
  public var optimizer: OptimizerSpec
  /// L2 penalty coefficient λ: each step adds `λ * w` to the gradient of every
  /// trainable parameter `w`. 0 (off) unless given.
  public var weightDecay: Double
  /// 32 unless given.
  public var batchSize: BatchSize
  /// The `batch_size:` value, or the `train:` section when defaulted.
  public var batchSizeSpan: SourceSpan
  /// 10 unless given.
  public var epochs: Int
  /// Seeds initialization, shuffling, dropout and augmentation. 0 unless given.
  public var seed: Int
  /// nil: train all `epochs`.
  public var earlyStopping: EarlyStopping?
  /// Constant without warmup unless given.
  public var schedule: LRSchedule
  /// When set, gradients are scaled so that their global L2 norm (over all
  /// parameters together) is at most this value.
  public var clipGradNorm: Double?
  /// Metrics to report each epoch, in the order written; empty when not given
  /// (the trainer then picks metrics suited to the loss).
  public var metrics: [MetricDecl]
  /// Save a checkpoint every this many epochs; nil: only at the end.
  public var checkpointEvery: Int?
  /// The `train:` value.
  public var span: SourceSpan

  static let keys = [
    "loss", "optimizer", "weight_decay", "batch_size", "epochs", "seed", "early_stopping",
    "schedule", "clip_grad_norm", "metrics", "checkpoint_every",
  ]

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> TrainSpec? {
    guard let reader = MappingReader(node, section: "train", keys: keys, resolver: resolver, &diagnostics)
    else { return nil }
    var losses: [LossDecl]?
    if let node = reader.node("loss") {
      losses = LossDecl.decodeList(node, resolver: resolver, &diagnostics)
    } else {
      reader.requireKey(
        "loss", allowed: keys, help: "name the loss to minimize, e.g. `loss: cross_entropy` or `loss: mse`",
        &diagnostics)
    }
    // nil when given but invalid, so that checks against it are skipped.
    let optimizer: OptimizerSpec?
    if let node = reader.node("optimizer") {
      optimizer = OptimizerSpec.decode(node, resolver: resolver, &diagnostics)
    } else {
      optimizer = OptimizerSpec.defaultOptimizer(at: reader.span)
    }
    let epochs = reader.node("epochs") == nil ? 10 : reader.int("epochs", in: 1...Dim.limit, &diagnostics)
    let batchSize = reader.node("batch_size").flatMap { decodeBatchSize($0, resolver: resolver, &diagnostics) }
    let schedule = reader.node("schedule").flatMap {
      LRSchedule.decode(
        $0, resolver: resolver, epochs: epochs, learningRate: optimizer?.learningRate, &diagnostics)
    }
    let earlyStopping = reader.node("early_stopping").flatMap {
      EarlyStopping.decode($0, resolver: resolver, &diagnostics)
    }
    let metrics = reader.node("metrics").map { MetricDecl.decodeList($0, resolver: resolver, &diagnostics) }
    let weightDecay = reader.number("weight_decay", .nonNegative, &diagnostics)
    let seed = reader.int("seed", in: 0...Dim.limit, &diagnostics)
    let clipGradNorm = reader.number("clip_grad_norm", .positive, &diagnostics)
    let checkpointEvery = reader.int("checkpoint_every", in: 1...Dim.limit, &diagnostics)

    guard let losses else { return nil }
    return TrainSpec(
      losses: losses,
      optimizer: optimizer ?? OptimizerSpec.defaultOptimizer(at: reader.span),
      weightDecay: weightDecay ?? 0,
      batchSize: batchSize?.size ?? .size(32),
      batchSizeSpan: batchSize?.span ?? reader.span,
      epochs: epochs ?? 10,
      seed: seed ?? 0,
      earlyStopping: earlyStopping,
      schedule: schedule ?? LRSchedule(kind: .constant, warmupEpochs: 0, span: reader.span),
      clipGradNorm: clipGradNorm,
      metrics: metrics ?? [],
      checkpointEvery: checkpointEvery,
      span: reader.span)
  }

  /// `batch_size: 64` or `batch_size: all`.
  private static func decodeBatchSize(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> (size: BatchSize, span: SourceSpan)? {
    guard let value = resolver.resolve(node, &diagnostics) else { return nil }
    if let word = value.stringValue {
      if word == "all" { return (.all, value.span) }
      var diagnostic = Diagnostic(.valueOutOfRange, at: value.span, "`batch_size` cannot be `\(word)`")
      if let suggestion = Suggestions.didYouMean(word, in: ["all"]) {
        diagnostic = diagnostic.help(suggestion)
      }
      diagnostics.append(diagnostic.help("write a whole number >= 1, or `all` for full-batch training"))
      return nil
    }
    return ValueCheck.int(value, in: 1...Dim.limit, what: "`batch_size`", &diagnostics)
      .map { (.size($0), value.span) }
  }
}

/// A metric reported each epoch, on the training and validation splits.
public struct MetricDecl: Sendable, Hashable {
  public enum Metric: String, Sendable, CaseIterable {
    /// Fraction of samples whose arg-max prediction is the target class.
    case accuracy
    /// Mean squared error.
    case mse
    /// Mean absolute error.
    case mae
    /// The training loss itself.
    case loss
  }

  public var metric: Metric
  public var span: SourceSpan

  static func decodeList(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> [MetricDecl] {
    let names = Metric.allCases.map(\.rawValue)
    guard case .sequence = node else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`metrics` must be a list, found \(node.kindDescription)")
          .help("for example `metrics: [accuracy, loss]`; allowed: \(Suggestions.list(names))"))
      return []
    }
    guard let values = resolver.resolve(node, &diagnostics)?.listValue else { return [] }
    var metrics: [MetricDecl] = []
    for value in values {
      guard let word = ValueCheck.choice(value, names, what: "a metric", &diagnostics) else { continue }
      if let earlier = metrics.first(where: { $0.metric.rawValue == word }) {
        diagnostics.append(
          Diagnostic(.valueOutOfRange, at: value.span, "metric `\(word)` is listed twice")
            .label(earlier.span, "first listed here")
            .help("remove one of them"))
        continue
      }
      metrics.append(MetricDecl(metric: Metric(rawValue: word)!, span: value.span))
    }
    return metrics
  }
}

/// `train.early_stopping`: stop when the monitored quantity stops improving.
public struct EarlyStopping: Sendable, Hashable {
  /// The quantity watched at the end of each epoch.
  public typealias Monitor = EarlyStoppingRule.Monitor

  /// `val_loss` unless given.
  public var monitor: Monitor
  /// The `monitor:` value, or the `early_stopping:` value when defaulted.
  public var monitorSpan: SourceSpan
  /// Epochs without improvement before stopping; 5 unless given.
  public var patience: Int
  /// The smallest change that counts as an improvement; 0 unless given.
  public var minDelta: Double
  /// Restore the weights of the best epoch when training stops; true unless given.
  public var restoreBest: Bool
  /// The `early_stopping:` value.
  public var span: SourceSpan

  /// The rule as the training runtime applies it.
  public var rule: EarlyStoppingRule {
    EarlyStoppingRule(monitor: monitor, patience: patience, minDelta: minDelta, restoreBest: restoreBest)
  }

  static let keys = ["monitor", "patience", "min_delta", "restore_best"]

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> EarlyStopping? {
    guard
      let reader = MappingReader(
        node, section: "train.early_stopping", keys: keys,
        resolver: resolver, &diagnostics)
    else { return nil }
    let monitor = reader.choice("monitor", Monitor.allCases.map(\.rawValue), &diagnostics)
    return EarlyStopping(
      monitor: monitor.flatMap(Monitor.init(rawValue:)) ?? .valLoss,
      monitorSpan: reader.node("monitor")?.span ?? reader.span,
      patience: reader.int("patience", in: 0...Dim.limit, &diagnostics) ?? 5,
      minDelta: reader.number("min_delta", .nonNegative, &diagnostics) ?? 0,
      restoreBest: reader.bool("restore_best", &diagnostics) ?? true,
      span: reader.span)
  }
}
