import ArgumentParser
import Foundation
import NetSpec

/// `netspec eval SPEC --weights W`: score saved weights on the spec's data.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval", abstract: "Evaluate saved weights on the spec's test split (and validation split).")

  @Argument(help: "The spec the weights belong to.")
  var spec: String

  @Option(help: "A safetensors file written by `netspec train`.")
  var weights: String

  @OptionGroup var specOptions: SpecOptions

  func run() throws {
    let checked = try loadSpec(spec, specOptions)
    let prepared = try loadData(checked, seed: nil)
    let trainer = try Trainer(spec: checked, data: prepared)
    do {
      try Checkpoint.load(weights, into: trainer.interpreter)
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
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
