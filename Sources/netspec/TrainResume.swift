import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

extension Train {
  /// The run in `directory` set up to continue from its checkpoint: the
  /// spec it was started from (refused when its text changed since), its
  /// `--set` overrides, `--no-expect` and `--seed`, the data, and the trainer holding the
  /// checkpoint's weights and optimizer state.
  func resumeSession(_ directory: String) throws -> Session {
    let checkpointPath = "\(directory)/\(TrainingCheckpoint.fileName)"
    do {
      let stale = try RunDirectory.prepareResume(directory)
      if !stale.isEmpty {
        Console.say("removed \(stale.count) temporary file(s) an interrupted run left in \(directory)")
      }
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
    }
    let (origin, name, planned) = try reading(checkpointPath) { () throws(SafetensorsError) in
      try TrainingCheckpoint.origin(ofFileAt: checkpointPath)
    }
    if let seed, seed != origin.seed {
      try refuse("--seed \(seed) differs from the run's (\(origin.seed.map(String.init) ?? "the spec's own")); drop it")
    }
    if !specOptions.overrides.isEmpty, specOptions.overrides != origin.overrides {
      try refuse(
        "--set \(specOptions.overrides.joined(separator: " ")) differs from the run's "
          + "(\(origin.overrides.isEmpty ? "none" : origin.overrides.joined(separator: " "))); drop it")
    }
    let checked = try resumedSpec(spec ?? origin.specPath, origin: origin, directory: directory)
    let prepared = try loadData(checked, seed: origin.seed, color: specOptions.color)
    let data = DataFingerprint.of(prepared)
    if data != origin.data {
      Console.printError(
        "error: the data of \(checked.file.path) is not the data the run in \(directory) was trained on: "
          + "\(data), the run's \(origin.data)\n"
          + "  help: resuming continues the same training; restore the data files, or start a new run with -o\n")
      throw ExitCode.invalid
    }
    if let epochs, epochs < planned {
      try refuse("--epochs \(epochs) is fewer than the run's \(planned); on --resume, --epochs may only grow")
    }
    let trainer = try makeTrainer(
      checked, prepared, epochs: epochs ?? planned, seed: origin.seed, color: specOptions.color)
    let checkpoint = try reading(checkpointPath) { () throws(SafetensorsError) in
      try TrainingCheckpoint(contentsOf: checkpointPath, plan: trainer.interpreter.plan)
    }
    checkpoint.restore(into: trainer)
    let log: RunLog
    do { log = try RunLog(directory: directory, title: name, continuingAfter: checkpoint.progress.epoch) } catch {
      Console.printError("error: cannot continue the logs of \(directory): \(error)\n")
      throw ExitCode.invalid
    }
    let done = checkpoint.progress
    if done.finished(epochs: trainer.epochs) {
      Console.say(
        "the run in \(directory) already ended after epoch \(done.epoch)"
          + (done.stoppedEarly ? " (early stopping)" : "") + "; writing its weights again")
    } else {
      Console.say("resuming \(directory) after epoch \(done.epoch) of \(trainer.epochs)")
    }
    return Session(
      checked: checked, prepared: prepared, trainer: trainer, name: name, directory: directory, log: log,
      origin: origin, progress: done)
  }

  /// The spec at `path`, checked with the run's overrides, after making
  /// sure its text is the one the run was started from.
  func resumedSpec(_ path: String, origin: TrainingCheckpoint.Origin, directory: String) throws -> CheckedSpec {
    var options = specOptions
    options.overrides = origin.overrides
    options.skipsExpectations = !origin.checksExpectations
    var diagnostics = DiagnosticBag()
    guard let file = Frontend.read(path: path, &diagnostics) else {
      Console.report(diagnostics, color: specOptions.color)
      throw ExitCode(Console.exitCode(for: diagnostics))
    }
    if file.bytes != Array(origin.specText.utf8) {
      Console.printError(
        "error: \(path) is not the spec the run in \(directory) was started from: "
          + Self.firstDifference(String(decoding: file.bytes, as: UTF8.self), origin.specText)
          + "\n  help: resuming continues the same training; restore the spec, or start a new run with -o\n")
      throw ExitCode.invalid
    }
    guard let checked = Frontend.check(file, options: try options.frontendOptions(), &diagnostics) else {
      Console.report(diagnostics, color: specOptions.color)
      throw ExitCode(Console.exitCode(for: diagnostics))
    }
    if !diagnostics.diagnostics.isEmpty { Console.report(diagnostics, color: specOptions.color) }
    return checked
  }

  /// `line 7 is `  epochs: 20`, the run's `  epochs: 10``: the first line
  /// where `text` differs from `original`.
  static func firstDifference(_ text: String, _ original: String) -> String {
    let (now, then) = (
      text.split(separator: "\n", omittingEmptySubsequences: false),
      original.split(separator: "\n", omittingEmptySubsequences: false)
    )
    for index in 0..<max(now.count, then.count) {
      let a = index < now.count ? "`\(now[index])`" : "past the end"
      let b = index < then.count ? "`\(then[index])`" : "past the end"
      if a != b { return "line \(index + 1) is \(a), the run's \(b)" }
    }
    return "the bytes differ"
  }

  /// Prints a usage error about resuming and exits with 2.
  func refuse(_ message: String) throws -> Never {
    Console.printError("error: --resume: \(message)\n")
    throw ExitCode.unreadable
  }

  /// Runs `read` on the checkpoint at `path`: a file that cannot be read
  /// exits with 2, one that is not a checkpoint of this model with 1.
  func reading<T>(_ path: String, _ read: () throws(SafetensorsError) -> T) throws -> T {
    do { return try read() } catch {
      Console.printError("error: \(error)\n")
      if case .io = error.problem { throw ExitCode.unreadable }
      throw ExitCode.invalid
    }
  }
}
