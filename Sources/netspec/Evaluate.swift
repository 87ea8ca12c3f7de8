import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec eval SPEC --weights W`: score saved weights on the spec's data.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval", abstract: "Evaluate saved weights on the spec's test split (and validation split).")

  @Argument(help: "The spec the weights belong to.", completion: .specFile)
  var spec: String

  @Option(help: "A safetensors file written by `netspec train`.")
  var weights: String

  @OptionGroup var specOptions: SpecOptions

  func run() throws {
    let checked = try loadSpec(spec, specOptions)
    try InputFiles.require(weights, option: "--weights")
    let prepared = try loadData(checked, seed: nil, color: specOptions.color)
    let trainer: Trainer
    do {
      trainer = try Trainer(spec: checked, data: prepared)
    } catch let error as PlanningError {
      var bag = DiagnosticBag()
      bag.append(error.diagnostic)
      Console.report(bag, color: specOptions.color)
      throw ExitCode.invalid
    }
    do {
      try Checkpoint.load(weights, into: trainer.interpreter)
    } catch {
      // Weights that do not fit the spec are invalid input, as in `predict`.
      Console.printError("error: \(error)\n")
      if case .io = error.problem { throw ExitCode.unreadable }
      throw ExitCode.invalid
    }
    var any = false
    for (name, split) in [("validation", prepared.validation), ("test", prepared.test)] {
      guard let split else { continue }
      Console.say("\(name): " + trainer.evaluate(split).summary + " (\(split.count) samples)")
      any = true
    }
    if !any {
      Console.say("train: " + trainer.evaluate(prepared.train).summary + " (\(prepared.train.count) samples)")
    }
  }
}
