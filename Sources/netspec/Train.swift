import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

/// `netspec train SPEC`: train with the interpreter on the spec's data.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a spec on its data with the interpreter.",
    discussion: """
      Writes OUT/weights.safetensors (atomically, after every epoch or every \
      `checkpoint_every` epochs, and at the end), and after every epoch \
      OUT/metrics.jsonl, OUT/metrics.csv and OUT/curves.svg. An OUT that holds \
      an earlier run is refused (exit code 2) unless --overwrite. A NaN or \
      infinite loss stops training with exit code 1; the last checkpoint stays \
      intact, or with `restore_best` holds the best epoch's weights.
      """)

  @Argument(help: "The spec to train.", completion: .specFile)
  var spec: String

  @Option(parsing: .unconditional, help: "Override `train.epochs`.")
  var epochs: Int?

  @Option(parsing: .unconditional, help: "Override `train.seed` (initialization, shuffling, dropout, augmentation).")
  var seed: Int?

  @Option(name: .shortAndLong, help: "Output directory (default: runs/<spec name>).")
  var output: String?

  @Flag(help: "Replace the files of an earlier run in the output directory.")
  var overwrite = false

  @OptionGroup var specOptions: SpecOptions

  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    if let seed, seed < 0 { throw ValidationError("--seed must not be negative") }
  }

  func run() throws {
    threadOptions.apply()
    let checked = try loadSpec(spec, specOptions)
    let prepared = try loadData(checked, seed: seed, color: specOptions.color)
    let trainer: Trainer
    do {
      trainer = try Trainer(spec: checked, data: prepared, epochs: epochs, seed: seed)
    } catch let error as PlanningError {
      var bag = DiagnosticBag()
      bag.append(error.diagnostic)
      Console.report(bag, color: specOptions.color)
      throw ExitCode.invalid
    }
    let name = checked.document.name ?? URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent
    let directory = output ?? RunDirectory.default(for: name)
    let weightsPath = "\(directory)/weights.safetensors"
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
    let progress = ProgressReporter.standardOutput(epochs: trainer.epochs)
    Console.say(
      RunReport.banner(
        name: name, parameters: checked.graph.parameterCount, train: prepared.train.count,
        validation: prepared.validation?.count, test: prepared.test?.count))
    for note in prepared.csvHeaders { Console.say("  data \(note)") }
    let threads = ComputePool.shared.threadCount
    Console.say("  kernels on \(threads) thread\(threads == 1 ? "" : "s")")
    let checkpointEvery = checked.document.train?.checkpointEvery ?? 1
    var logFailure: (any Error)?
    let result: Trainer.Result
    do {
      result = try trainer.run(
        observe: { event in
          switch event {
          case .step(let p):
            if p.step == 1 { progress.startEpoch(p.epoch, steps: p.stepsPerEpoch) }
            progress.update(
              step: p.step, samples: p.samples, loss: p.loss, metrics: p.accuracy.map { ["accuracy": $0] } ?? [:])
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
        checkpoint: { interpreter, record in
          if let logFailure { throw logFailure }
          guard record.epoch % checkpointEvery == 0 else { return }
          try Checkpoint.write(
            interpreter, to: weightsPath,
            metadata: RunReport.checkpointMetadata(spec: name, epoch: record.epoch, seed: seed),
            standardization: prepared.standardization)
        })
    } catch let failure as TrainingFailure {
      progress.finish()
      if let epoch = failure.restoredEpoch {
        // The interpreter holds the best epoch's weights again: they are the run's checkpoint.
        try Checkpoint.write(
          trainer.interpreter, to: weightsPath,
          metadata: RunReport.checkpointMetadata(spec: name, epoch: epoch, seed: seed),
          standardization: prepared.standardization)
      }
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
    try Checkpoint.write(
      trainer.interpreter, to: weightsPath,
      metadata: RunReport.checkpointMetadata(spec: name, epoch: result.bestEpoch, seed: seed),
      standardization: prepared.standardization)
    try log.finish(bestEpoch: result.bestEpoch)
    if let test = prepared.test {
      Console.say(RunReport.test(trainer.evaluate(test), samples: test.count, bestEpoch: result.bestEpoch))
    }
    Console.say("wrote \(weightsPath), \(directory)/metrics.jsonl, \(directory)/metrics.csv, \(directory)/curves.svg")
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
