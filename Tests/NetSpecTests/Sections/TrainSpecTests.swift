import NetSpecDiagnostics
import NetSpecYAML
import Testing

@testable import NetSpec

private func train(_ yaml: String) throws -> DecodedSection<TrainSpec> {
  try decodeSection("train", yaml, TrainSpec.decode)
}

@Suite("train: section")
struct TrainSpecTests {
  @Test func defaults() throws {
    let decoded = try train("train: {loss: mse}")
    #expect(decoded.diagnostics.isEmpty)
    let spec = try #require(decoded.value)
    #expect(spec.loss.op == "mse")
    #expect(spec.loss.attributes.isEmpty)
    #expect(spec.loss.from.isEmpty)
    #expect(spec.loss.targetOrDefault.name == "label")
    #expect(decoded.file.line(1).contains("mse"))
    #expect(spec.optimizer.name == "adam")
    #expect(spec.optimizer.learningRate == 1e-3)
    #expect(spec.optimizer.algorithm == .adam(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)))
    #expect(spec.weightDecay == 0)
    #expect(spec.batchSize == .size(32))
    #expect(spec.batchSizeSpan == spec.span)
    #expect(spec.epochs == 10)
    #expect(spec.seed == 0)
    #expect(spec.earlyStopping == nil)
    #expect(spec.schedule.kind == .constant)
    #expect(spec.schedule.warmupEpochs == 0)
    #expect(spec.clipGradNorm == nil)
    #expect(spec.metrics.isEmpty)
    #expect(spec.checkpointEvery == nil)
  }

  /// The `train:` section of the sketch in DESIGN.md.
  @Test func designSketch() throws {
    let decoded = try train(
      """
      train:
        loss: {cross_entropy: {logits: logits, target: label}}
        optimizer: {adam: {lr: 1.0e-3}}
        weight_decay: 0              # L2
        batch_size: 64               # 1 = stochastic, `all` = full-batch gradient descent
        epochs: 15
        early_stopping: {monitor: val_loss, patience: 3, restore_best: true}
        seed: 42
      """)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    #expect(spec.loss.op == "cross_entropy")
    #expect("\(spec.loss.opSpan.start)" == "2:10")
    #expect(spec.loss.attributes.map(\.key.value) == ["logits"])
    #expect(spec.loss.targetOrDefault.name == "label")
    #expect("\(spec.loss.targetOrDefault.span.start)" == "2:50")
    #expect(spec.optimizer.learningRate == 1e-3)
    #expect(spec.batchSize == .size(64))
    #expect("\(spec.batchSizeSpan.start)" == "5:15")
    #expect(spec.epochs == 15)
    #expect(spec.seed == 42)
    let stopping = try #require(spec.earlyStopping)
    #expect(stopping.monitor == .valLoss)
    #expect("\(stopping.monitorSpan.start)" == "7:29")
    #expect(stopping.patience == 3)
    #expect(stopping.minDelta == 0)
    #expect(stopping.restoreBest)
  }

  @Test func everyKey() throws {
    let decoded = try train(
      """
      train:
        loss: {mse: {from: head, target: y}}
        optimizer: {sgd: {lr: 0.1, momentum: 0.9, nesterov: true}}
        weight_decay: 5.0e-4
        batch_size: all
        epochs: 30
        seed: 7
        early_stopping: {monitor: val_accuracy, patience: 0, min_delta: 0.001, restore_best: false}
        schedule: {cosine: {min_lr: 1.0e-4, warmup_epochs: 3}}
        clip_grad_norm: 1.5
        metrics: [accuracy, mse, mae, loss]
        checkpoint_every: 5
      """)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    #expect(spec.loss.from.map(\.name) == ["head"])
    #expect(spec.loss.targetOrDefault.name == "y")
    #expect(spec.optimizer.algorithm == .sgd(momentum: 0.9, nesterov: true))
    #expect(spec.optimizer.learningRate == 0.1)
    #expect(spec.weightDecay == 5e-4)
    #expect(spec.batchSize == .all)
    #expect(spec.epochs == 30)
    #expect(spec.seed == 7)
    let stopping = try #require(spec.earlyStopping)
    #expect(stopping.monitor == .valAccuracy)
    #expect(stopping.patience == 0)
    #expect(stopping.minDelta == 0.001)
    #expect(!stopping.restoreBest)
    #expect(spec.schedule.kind == .cosine(minLR: 1e-4))
    #expect(spec.schedule.warmupEpochs == 3)
    #expect(spec.clipGradNorm == 1.5)
    #expect(spec.metrics.map(\.metric) == [.accuracy, .mse, .mae, .loss])
    #expect(spec.metrics.map { "\($0.span.start)" } == ["11:13", "11:23", "11:28", "11:33"])
    #expect(spec.checkpointEvery == 5)
  }

  @Test(
    arguments: [
      ("mse", "mse", nil, "label", []),
      ("{cross_entropy: null}", "cross_entropy", nil, "label", []),
      ("{cross_entropy: {}}", "cross_entropy", nil, "label", []),
      ("{cross_entropy: {from: logits}}", "cross_entropy", "logits", "label", []),
      (
        "{cross_entropy: {label_smoothing: 0.1, target: y, reduction: sum}}", "cross_entropy", nil, "y",
        ["label_smoothing", "reduction"]
      ),
      ("{not_an_op: {whatever: [1, 2]}}", "not_an_op", nil, "label", ["whatever"]),
    ] as [(String, String, String?, String, [String])])
  func lossForms(yaml: String, op: String, from: String?, target: String, attributes: [String]) throws {
    let decoded = try train("train: {loss: \(yaml)}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let loss = try #require(decoded.value?.loss)
    #expect(loss.op == op)
    #expect(loss.from.first?.name == from)
    #expect(loss.targetOrDefault.name == target)
    #expect(loss.attributes.map(\.key.value) == attributes)
  }

  @Test(arguments: [
    ("sgd", OptimizerSpec.Algorithm.sgd(momentum: 0, nesterov: false), 0.01),
    ("{sgd: 0.5}", .sgd(momentum: 0, nesterov: false), 0.5),
    ("{sgd: {momentum: 0.9}}", .sgd(momentum: 0.9, nesterov: false), 0.01),
    ("adam", .adam(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)), 1e-3),
    (
      "{adam: {lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-6}}", .adam(.init(beta1: 0.5, beta2: 0.9, epsilon: 1e-6)), 2e-4
    ),
    ("adamw", .adamw(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.01), 1e-3),
    (
      "{adamw: {weight_decay: 0, beta1: 0}}", .adamw(.init(beta1: 0, beta2: 0.999, epsilon: 1e-8), weightDecay: 0), 1e-3
    ),
    ("{adam: 1/1000}", .adam(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)), 1e-3),
  ])
  func optimizers(yaml: String, algorithm: OptimizerSpec.Algorithm, lr: Double) throws {
    let decoded = try train("train: {loss: mse, optimizer: \(yaml)}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let optimizer = try #require(decoded.value?.optimizer)
    #expect(optimizer.algorithm == algorithm)
    #expect(optimizer.learningRate == lr)
  }

  @Test(arguments: [
    ("constant", LRSchedule.Kind.constant, 0),
    ("{constant: {warmup_epochs: 2}}", .constant, 2),
    ("{step: 5}", .step(every: 5, gamma: 0.1), 0),
    ("{step: {every: 3, gamma: 1, warmup_epochs: 1}}", .step(every: 3, gamma: 1), 1),
    ("cosine", .cosine(minLR: 0), 0),
    ("{cosine: 1.0e-5}", .cosine(minLR: 1e-5), 0),
  ])
  func schedules(yaml: String, kind: LRSchedule.Kind, warmup: Int) throws {
    let decoded = try train("train: {loss: mse, schedule: \(yaml)}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let schedule = try #require(decoded.value?.schedule)
    #expect(schedule.kind == kind)
    #expect(schedule.warmupEpochs == warmup)
  }

  @Test(arguments: [
    ("1", BatchSize.size(1)), ("64", .size(64)), ("all", .all), ("$batch", .size(16)), ("2*8", .size(16)),
  ])
  func batchSizes(yaml: String, expected: BatchSize) throws {
    let decoded = try decodeSection(
      "train", "train: {loss: mse, batch_size: \(yaml)}", variables: ["batch": .int(16)], TrainSpec.decode)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    #expect(decoded.value?.batchSize == expected)
    #expect(decoded.text(at: Diagnostic(.typeMismatch, at: decoded.value?.batchSizeSpan, "")) == yaml)
  }

  @Test(arguments: [
    // Keys and structure
    SectionErrorCase("train: {loss: mse, epoch: 5}", .unknownKey, at: "epoch", "did you mean `epochs`?"),
    SectionErrorCase("train: {loss: mse, lr: 0.1}", .unknownKey, at: "lr", "`train` takes"),
    SectionErrorCase("train: {epochs: 5}", .missingKey, at: "{epochs: 5}", "loss: cross_entropy"),
    SectionErrorCase("train: [mse]", .typeMismatch, at: "[mse]", "must be a mapping"),
    // Loss
    SectionErrorCase("train: {loss: []}", .missingKey, at: "[]", "lists no terms"),
    SectionErrorCase("train: {loss: {mse: {}, from: x}}", .typeMismatch, at: "from", "settings go inside the choice"),
    SectionErrorCase("train: {loss: {mse: 2}}", .typeMismatch, at: "2", "{mse: {attribute: value}}"),
    SectionErrorCase("train: {loss: {mse: {target: 3}}}", .typeMismatch, at: "3", "must be a name"),
    SectionErrorCase("train: {loss: {mse: {from: [a, 2]}}}", .typeMismatch, at: "2", "must be a name"),
    SectionErrorCase("train: {loss: [mse, {kl_divergence: {weight: -1}}]}", .valueOutOfRange, at: "-1", "out of range"),
    // Optimizer
    SectionErrorCase("train: {loss: mse, optimizer: adma}", .valueOutOfRange, at: "adma", "did you mean `adam`?"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {rmsprop: {lr: 0.1}}}", .valueOutOfRange, at: "rmsprop", "`sgd`, `adam` or `adamw`"
    ),
    SectionErrorCase("train: {loss: mse, optimizer: {adam: {lr: 0}}}", .valueOutOfRange, at: "0", "> 0"),
    SectionErrorCase("train: {loss: mse, optimizer: {adam: -0.1}}", .valueOutOfRange, at: "-0.1", "> 0"),
    SectionErrorCase("train: {loss: mse, optimizer: {adam: fast}}", .typeMismatch, at: "fast", "must be a number"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {adam: {lr: 0.1, momentum: 0.9}}}", .unknownKey, at: "momentum",
      "`train.optimizer.adam` takes"),
    SectionErrorCase("train: {loss: mse, optimizer: {adam: {beta1: 1}}}", .valueOutOfRange, at: "1", "[0, 1)"),
    SectionErrorCase("train: {loss: mse, optimizer: {adam: {beta2: -0.5}}}", .valueOutOfRange, at: "-0.5", "[0, 1)"),
    SectionErrorCase("train: {loss: mse, optimizer: {adam: {eps: 0}}}", .valueOutOfRange, at: "0", "> 0"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {adam: {weight_decay: 0.1}}}", .unknownKey, at: "weight_decay", "take"),
    SectionErrorCase("train: {loss: mse, optimizer: {adamw: {weight_decay: -1}}}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase("train: {loss: mse, optimizer: {sgd: {momentum: 1}}}", .valueOutOfRange, at: "1", "[0, 1)"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {sgd: {nesterov: true}}}", .valueOutOfRange, at: "true", "momentum: 0.9"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {sgd: {momentum: 0, nesterov: true}}}", .valueOutOfRange, at: "true",
      "remove `nesterov`"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {sgd: {nesterov: 1}}}", .typeMismatch, at: "1", "`true` or `false`"),
    SectionErrorCase(
      "train: {loss: mse, optimizer: {sgd: {lr: 0.1}, momentum: 0.9}}", .typeMismatch, at: "momentum",
      "{adam: {lr: 0.001}}"),
    // Scalars
    SectionErrorCase("train: {loss: mse, weight_decay: -0.1}", .valueOutOfRange, at: "-0.1", ">= 0"),
    SectionErrorCase("train: {loss: mse, batch_size: 0}", .valueOutOfRange, at: "0", ">= 1"),
    SectionErrorCase("train: {loss: mse, batch_size: 1.5}", .typeMismatch, at: "1.5", "whole number"),
    SectionErrorCase("train: {loss: mse, batch_size: alll}", .valueOutOfRange, at: "alll", "did you mean `all`?"),
    SectionErrorCase("train: {loss: mse, batch_size: full}", .valueOutOfRange, at: "full", "`all` for full-batch"),
    SectionErrorCase("train: {loss: mse, epochs: 0}", .valueOutOfRange, at: "0", ">= 1"),
    SectionErrorCase("train: {loss: mse, epochs: ten}", .typeMismatch, at: "ten", "whole number"),
    SectionErrorCase("train: {loss: mse, seed: -1}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase("train: {loss: mse, clip_grad_norm: 0}", .valueOutOfRange, at: "0", "> 0"),
    SectionErrorCase("train: {loss: mse, checkpoint_every: 0}", .valueOutOfRange, at: "0", ">= 1"),
    // Early stopping
    SectionErrorCase(
      "train: {loss: mse, early_stopping: {monitor: val_acc}}", .valueOutOfRange, at: "val_acc", "`val_accuracy`"),
    SectionErrorCase("train: {loss: mse, early_stopping: {patience: -1}}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase("train: {loss: mse, early_stopping: {min_delta: -1}}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase(
      "train: {loss: mse, early_stopping: {restorebest: true}}", .unknownKey, at: "restorebest",
      "did you mean `restore_best`?"),
    SectionErrorCase("train: {loss: mse, early_stopping: true}", .typeMismatch, at: "true", "must be a mapping"),
    // Schedule
    SectionErrorCase("train: {loss: mse, schedule: cosin}", .valueOutOfRange, at: "cosin", "did you mean `cosine`?"),
    SectionErrorCase("train: {loss: mse, schedule: step}", .missingKey, at: "step", "every: 10"),
    SectionErrorCase(
      "train: {loss: mse, schedule: {step: {gamma: 0.5}}}", .missingKey, at: "{gamma: 0.5}", "is missing `every`"),
    SectionErrorCase("train: {loss: mse, schedule: {step: 0}}", .valueOutOfRange, at: "0", ">= 1"),
    SectionErrorCase("train: {loss: mse, schedule: {step: {every: 2, gamma: 0}}}", .valueOutOfRange, at: "0", "(0, 1]"),
    SectionErrorCase(
      "train: {loss: mse, schedule: {step: {every: 2, gamma: 1.5}}}", .valueOutOfRange, at: "1.5", "(0, 1]"),
    SectionErrorCase("train: {loss: mse, schedule: {cosine: -1}}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase("train: {loss: mse, schedule: {cosine: 0.01}}", .valueOutOfRange, at: "0.01", "below `lr`"),
    SectionErrorCase(
      "train: {loss: mse, schedule: {constant: 3}}", .typeMismatch, at: "3", "{constant: {warmup_epochs: ...}}"),
    SectionErrorCase(
      "train: {loss: mse, schedule: {constant: {warmup_epochs: -1}}}", .valueOutOfRange, at: "-1", ">= 0"),
    SectionErrorCase(
      "train: {loss: mse, epochs: 4, schedule: {cosine: {warmup_epochs: 4}}}", .valueOutOfRange, at: "4",
      "fewer warmup epochs"),
    // Metrics
    SectionErrorCase(
      "train: {loss: mse, metrics: accuracy}", .typeMismatch, at: "accuracy", "metrics: [accuracy, loss]"),
    SectionErrorCase(
      "train: {loss: mse, metrics: [acuracy]}", .valueOutOfRange, at: "acuracy", "did you mean `accuracy`?"),
    SectionErrorCase("train: {loss: mse, metrics: [mae, mae]}", .valueOutOfRange, at: "mae", "listed twice"),
  ])
  func errors(_ error: SectionErrorCase) throws {
    error.check(try train(error.yaml))
  }

  @Test func typosInBlockStyleAreReportedWithLocations() throws {
    let decoded = try train(
      """
      train:
        loss: mse
        epoch: 5
        optimizer: adma
      """)
    #expect(decoded.summary == ["unknown-key 3:3", "value-out-of-range 4:14"])
    #expect(decoded.diagnostics[0].helps == ["did you mean `epochs`?"])
    #expect(decoded.diagnostics[1].helps.first == "did you mean `adam`?")
    #expect(decoded.value?.optimizer.name == "adam")  // the default stands in
  }

  @Test func reportsEveryProblemAndNoCascade() throws {
    let decoded = try train(
      """
      train:
        optimizer: {sgd: {lr: -1, nesterov: true, momentum: 2}}
        epochs: 0
        batch_size: none
        schedule: {cosine: {min_lr: 5, warmup_epochs: 20}}
        metrics: [accuracy, f1]
      """)
    // No loss, so no value; invalid epochs and lr skip the schedule checks
    // against them, and an invalid momentum does not add a Nesterov error.
    #expect(decoded.value == nil)
    #expect(
      decoded.summary == [
        "missing-key 2:3", "value-out-of-range 2:25", "value-out-of-range 2:55", "value-out-of-range 3:11",
        "value-out-of-range 4:15", "value-out-of-range 6:23",
      ])
  }

  @Test func scheduleChecksUseTheDefaults() throws {
    let decoded = try train("train: {loss: mse, schedule: {cosine: {min_lr: 0.001, warmup_epochs: 10}}}")
    // adam's default lr is 0.001 and the default epochs 10.
    #expect(decoded.diagnostics.map { decoded.text(at: $0) } == ["0.001", "10"])
  }

  @Test func invalidLossStillReportsTheRest() throws {
    let decoded = try train("train: {loss: {mse: {target: 1}}, epochs: -2}")
    #expect(decoded.value == nil)
    #expect(decoded.summary == ["type-mismatch 1:30", "value-out-of-range 1:43"])
  }

  @Test func monitorDirections() {
    let higher = EarlyStopping.Monitor.allCases.filter(\.higherIsBetter)
    #expect(higher == [.valAccuracy, .accuracy])
    #expect(EarlyStopping.Monitor.allCases.filter(\.needsValidation) == [.valLoss, .valAccuracy, .valMSE, .valMAE])
  }
}
