import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

/// `netspec train SPEC`: train with the interpreter on the spec's data;
/// `--init-from W` starts from saved weights, `--resume DIR` continues a run.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a spec on its data with the interpreter.",
    discussion: """
      Writes OUT/checkpoint.safetensors and then OUT/weights.safetensors (each \
      atomically, after every epoch or every `checkpoint_every` epochs, and at \
      the last), and after every epoch OUT/metrics.jsonl, OUT/metrics.csv and \
      OUT/curves.svg. An OUT that holds an earlier run is refused (exit code 2) \
      unless --overwrite. A NaN or infinite loss stops training with exit code \
      1; the last checkpoint stays intact, or with `restore_best` holds the best \
      epoch's weights.

      --init-from W loads the tensors of W whose names and shapes match the \
      model's (frozen layers and running statistics included) and reports what \
      was loaded, skipped and left initialized; --strict requires W to hold \
      exactly the model's tensors (exit code 1 otherwise).

      --resume DIR continues the run in DIR from its checkpoint \
      (checkpoint.safetensors: weights, optimizer state, progress, early \
      stopping, the spec's text, the data's fingerprint) and ends with the \
      weights an uninterrupted run gives, bit for bit. The spec and its data \
      must be unchanged (exit code 1 otherwise); SPEC may be left out; --seed \
      and --set must be the run's own; --epochs may only grow. The logs \
      continue.
      """)

  @Argument(help: "The spec to train (with --resume: the run's spec, by default).", completion: .specFile)
  var spec: String?

  @Option(parsing: .unconditional, help: "Override `train.epochs` (with --resume: at least the run's epochs).")
  var epochs: Int?

  @Option(parsing: .unconditional, help: "Override `train.seed` (initialization, shuffling, dropout, augmentation).")
  var seed: Int?

  @Option(name: .shortAndLong, help: "Output directory (default: runs/<spec name>).")
  var output: String?

  @Flag(help: "Replace the files of an earlier run in the output directory.")
  var overwrite = false

  @Option(
    name: .customLong("init-from"),
    help: ArgumentHelp("Start from the weights in a safetensors file, matched by name.", valueName: "weights"))
  var initFrom: String?

  @Flag(help: "With --init-from: the file must hold exactly the model's tensors.")
  var strict = false

  @Option(help: ArgumentHelp("Continue the run in this directory from its last checkpoint.", valueName: "run-dir"))
  var resume: String?

  @OptionGroup var specOptions: SpecOptions

  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    if let seed, seed < 0 { throw ValidationError("--seed must not be negative") }
    if strict, initFrom == nil { throw ValidationError("--strict applies to --init-from") }
    if resume != nil {
      if output != nil || overwrite || initFrom != nil {
        throw ValidationError(
          "--resume continues a run in its own directory from its own weights; drop -o, --overwrite and --init-from")
      }
    } else if spec == nil {
      throw ValidationError("give the SPEC to train, or --resume RUN_DIR")
    }
  }

  /// A run ready to train: the spec, its data, the trainer (holding the
  /// weights to start from), where it writes and where it starts.
  struct Session {
    var checked: CheckedSpec
    var prepared: PreparedData
    var trainer: Trainer
    var name: String
    var directory: String
    var log: RunLog
    var origin: TrainingCheckpoint.Origin
    var progress: TrainingProgress
  }

  func run() throws {
    threadOptions.apply()
    let session = try resume.map { try resumeSession($0) } ?? startSession()
    try train(session)
  }

  /// A new run of SPEC in `-o` (or `runs/<name>`), from fresh or `--init-from` weights.
  func startSession() throws -> Session {
    let path = spec!
    let checked = try loadSpec(path, specOptions)
    if let initFrom { try InputFiles.require(initFrom, option: "--init-from") }
    let prepared = try loadData(checked, seed: seed, color: specOptions.color)
    let trainer = try makeTrainer(checked, prepared, epochs: epochs, seed: seed, color: specOptions.color)
    if let initFrom {
      do {
        let report = try InitialWeights.load(initFrom, into: trainer.interpreter, strict: strict)
        for line in report.lines(path: initFrom) { Console.say(line) }
      } catch {
        Console.printError("error: \(error)\n")
        if case .io = error.problem { throw ExitCode.unreadable }
        throw ExitCode.invalid
      }
    }
    let name = checked.document.name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let directory = output ?? RunDirectory.default(for: name)
    let log: RunLog
    do {
      let stale = try RunDirectory.prepare(directory, overwrite: overwrite)
      if !stale.isEmpty {
        Console.say("removed \(stale.count) temporary file(s) an interrupted run left in \(directory)")
      }
      log = try RunLog(directory: directory, title: name)
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
    }
    let origin = TrainingCheckpoint.Origin(
      specPath: URL(fileURLWithPath: path).standardizedFileURL.path,
      specText: String(decoding: checked.file.bytes, as: UTF8.self), overrides: specOptions.overrides, seed: seed,
      data: DataFingerprint.of(prepared), checksExpectations: !specOptions.skipsExpectations)
    return Session(
      checked: checked, prepared: prepared, trainer: trainer, name: name, directory: directory, log: log,
      origin: origin, progress: TrainingProgress())
  }

  /// Trains the session's epochs, writing checkpoints, weights and logs.
  func train(_ session: Session) throws {
    let (checked, prepared, trainer, name) = (session.checked, session.prepared, session.trainer, session.name)
    let directory = session.directory
    let weightsPath = "\(directory)/weights.safetensors"
    let checkpointPath = "\(directory)/\(TrainingCheckpoint.fileName)"
    let log = session.log
    let progress = ProgressReporter.standardOutput(epochs: trainer.epochs)
    Console.say(
      RunReport.banner(
        name: name, parameters: checked.graph.parameterCount, train: prepared.train.count,
        validation: prepared.validation?.count, test: prepared.test?.count))
    for note in prepared.csvHeaders { Console.say("  data \(note)") }
    let threads = ComputePool.shared.threadCount
    Console.say("  kernels on \(threads) thread\(threads == 1 ? "" : "s")")
    let checkpointEvery = checked.document.train?.checkpointEvery ?? 1
    let seed = session.origin.seed
    func writeWeights(epoch: Int) throws {
      try Checkpoint.write(
        trainer.interpreter, to: weightsPath,
        metadata: RunReport.checkpointMetadata(spec: name, epoch: epoch, seed: seed),
        standardization: prepared.standardization)
    }
    var logFailure: (any Error)?
    let result: Trainer.Result
    do {
      result = try trainer.run(
        from: session.progress,
        observe: { event in
          switch event {
          case .step(let p):
            if p.step == 1 { progress.startEpoch(p.epoch, steps: p.stepsPerEpoch) }
            progress.update(
              step: p.step, samples: p.samples, loss: p.loss,
              metrics: p.terms.merging(p.accuracy.map { ["accuracy": $0] } ?? [:]) { term, _ in term })
          case .epoch(let record):
            progress.endEpoch(record)
            if logFailure == nil {
              do { try log.record(record) } catch { logFailure = error }
            }
          case .stoppedEarly(let epoch, let best):
            progress.finish()
            Console.say(RunReport.stoppedEarly(epoch: epoch, best: best))
          }
        },
        checkpoint: { _, record, state in
          if let logFailure { throw logFailure }
          guard record.epoch % checkpointEvery == 0 || state.finished(epochs: trainer.epochs) else { return }
          // The checkpoint first: it holds the weights too, so a kill before
          // the weights' rename leaves a run that resumes from it.
          try TrainingCheckpoint(trainer: trainer, progress: state, origin: session.origin, name: name)
            .write(to: checkpointPath, plan: trainer.interpreter.plan)
          try writeWeights(epoch: record.epoch)
        })
    } catch let failure as TrainingFailure {
      progress.finish()
      // The interpreter holds the best epoch's weights again: they are the run's weights.
      if let epoch = failure.restoredEpoch { try writeWeights(epoch: epoch) }
      try? log.finish(bestEpoch: failure.restoredEpoch)
      Console.printError("error: \(failure.message)\n")
      throw ExitCode.invalid
    } catch let error as FileError {
      progress.finish()
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
    }
    progress.finish()
    // The interpreter holds the best weights now (early stopping restores them).
    try writeWeights(epoch: result.bestEpoch)
    try log.finish(bestEpoch: result.bestEpoch)
    if let test = prepared.test {
      Console.say(RunReport.test(trainer.evaluate(test), samples: test.count, bestEpoch: result.bestEpoch))
    }
    Console.say(
      "wrote \(weightsPath), \(checkpointPath), \(directory)/metrics.jsonl, \(directory)/metrics.csv, "
        + "\(directory)/curves.svg")
  }
}

/// The trainer for a checked spec and its data, exiting with a diagnostic
/// when the model cannot be planned.
func makeTrainer(
  _ checked: CheckedSpec, _ prepared: PreparedData, epochs: Int?, seed: Int?, color: ColorChoice
) throws -> Trainer {
  do {
    return try Trainer(spec: checked, data: prepared, epochs: epochs, seed: seed)
  } catch let error as PlanningError {
    var bag = DiagnosticBag()
    bag.append(error.diagnostic)
    Console.report(bag, color: color)
    throw ExitCode.invalid
  }
}

/// Loads the spec's `data:` section, exiting with diagnostics on failure.
func loadData(_ checked: CheckedSpec, seed: Int?, color: ColorChoice) throws -> PreparedData {
  guard let data = checked.document.data else {
    Console.printError("\(checked.file.path): error: the spec has no `data:` section to train on\n")
    throw ExitCode.invalid
  }
  var diagnostics = DiagnosticBag()
  let prepared = DataPipeline.load(
    data, for: checked.graph, seed: seed ?? checked.document.train?.seed ?? 0, &diagnostics)
  if !diagnostics.diagnostics.isEmpty { Console.report(diagnostics, color: color) }
  guard let prepared else { throw ExitCode.invalid }
  return prepared
}
