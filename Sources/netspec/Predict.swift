import ArgumentParser
import Foundation
import NetSpec

/// `netspec predict SPEC --weights W --input FILE`: run saved weights on new samples
/// (`--input NAME=FILE` once per input for a model with several).
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict with saved weights on the samples in a file.",
    discussion: """
      For a model with several inputs, give `--input NAME=FILE` once per input, each file \
      holding the same samples in the same order. \
      FILE holds one sample per CSV row (a header row is optional; a label column like \
      the spec's training CSV is dropped), or samples along the first axis of an NPY or \
      IDX array. Samples are scaled and standardized as in training. Prints CSV: the \
      class (its name when the spec's `data.classes` lists them) and its probability for classifiers, the probability and label for binary \
      outputs, the values for regression. With `-o OUT.npy`, writes the model's raw output tensor instead \
      (float32, [samples, ...]: logits for classifiers), as NumPy's `.npy`.
      """)

  @Argument(help: "The spec the weights belong to.", completion: .specFile)
  var spec: String

  @Option(help: "A safetensors file written by `netspec train`.")
  var weights: String

  @Option(
    help: ArgumentHelp(
      "The samples: CSV (optionally .gz), NPY or IDX. For a model with several inputs, repeat as NAME=FILE, one per input.",
      valueName: "[NAME=]FILE"))
  var input: [String]

  @Option(
    name: .shortAndLong,
    help: "Write the CSV here instead of standard output; a path ending in .npy gets the raw output tensor.")
  var output: String?

  @OptionGroup var specOptions: SpecOptions

  @OptionGroup var threadOptions: ThreadOptions

  func run() throws {
    threadOptions.apply()
    let checked = try loadSpec(spec, specOptions)
    try InputFiles.require(weights, option: "--weights")
    let files = input.map(PredictionFiles.parse)
    guard !files.isEmpty else { throw ValidationError("Missing expected argument '--input <[NAME=]FILE>'") }
    for file in files { try InputFiles.require(file.path, option: "--input") }
    let predictions: Predictions
    do {
      predictions = try Predictor.predict(checked, weights: weights, inputs: files)
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.invalid
    }
    if let output, output.hasSuffix(".npy") {
      do {
        try NPYWriting.write(
          predictions.outputs, shape: [predictions.count] + predictions.sampleShape, to: output)
      } catch {
        Console.printError("error: cannot write `\(output)`: \(error)\n")
        throw ExitCode.unreadable
      }
      return
    }
    let names = checked.document.data?.classes?.names
    let text = predictions.csvLines(classNames: names).joined(separator: "\n") + "\n"
    guard let output else {
      print(text, terminator: "")
      return
    }
    do {
      try text.write(toFile: output, atomically: true, encoding: .utf8)
    } catch {
      Console.printError("error: cannot write `\(output)`: \(error)\n")
      throw ExitCode.unreadable
    }
  }
}
