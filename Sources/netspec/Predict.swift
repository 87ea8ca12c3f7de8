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
      (float32, [samples, ...]: logits for classifiers), as NumPy's `.npy`. \
      With `--grid OUT.png`, draws image-shaped outputs ([H*W] square, [H, W] or [1, H, W]) \
      as a grid of grey images (the sigmoid of a binary_cross_entropy model's logits), \
      each input above its output when the model reconstructs its input; with `--decode LAYER`, \
      the outputs of `--samples` standard normal draws put in place of LAYER's output (a VAE's \
      latent `z`), without --input. With `--greedy`, decodes a sequence-to-sequence model \
      autoregressively as the spec's `decode:` section says: the decoder input starts with the \
      start token and reads each position's most likely token at the next; give --input files for \
      the other inputs only. Prints `sample,tokens` CSV (tokens before the `end` token), or with \
      `-o OUT.npy` the tokens as float32 [samples, length].
      """)

  @Argument(help: "The spec the weights belong to.", completion: .specFile)
  var spec: String

  @Option(help: "A safetensors file written by `netspec train`.")
  var weights: String

  @Option(
    help: ArgumentHelp(
      "The samples: CSV (optionally .gz), NPY or IDX. For a model with several inputs, repeat as NAME=FILE, one per input.",
      valueName: "[NAME=]FILE"))
  var input: [String] = []

  @Option(
    name: .shortAndLong,
    help: "Write the CSV here instead of standard output; a path ending in .npy gets the raw output tensor.")
  var output: String?

  @Option(
    help: ArgumentHelp("Draw the image-shaped outputs as a grid of grey images in this PNG file.", valueName: "OUT.png")
  )
  var grid: String?

  @Option(help: "Images per row of the grid.")
  var gridColumns = 8

  @Option(
    help: ArgumentHelp(
      "Decode standard normal draws put in place of this layer's output (a VAE's latent sample), instead of --input.",
      valueName: "LAYER"))
  var decode: String?

  @Option(help: "How many draws --decode decodes.")
  var samples = 64

  @Option(help: "The seed of the --decode draws.")
  var seed: UInt64 = 0

  @Flag(help: "Decode sequences greedily, feeding each predicted token back as the spec's `decode:` says.")
  var greedy = false

  @OptionGroup var specOptions: SpecOptions

  @OptionGroup var threadOptions: ThreadOptions

  func run() throws {
    threadOptions.apply()
    let checked = try loadSpec(spec, specOptions)
    try InputFiles.require(weights, option: "--weights")
    if let grid, !grid.hasSuffix(".png") { throw ValidationError("--grid writes a PNG file: name it `*.png`") }
    guard gridColumns >= 1 else { throw ValidationError("--grid-columns must be at least 1") }
    let files = input.map(PredictionFiles.parse)
    if decode != nil, !files.isEmpty { throw ValidationError("--decode draws its own samples: leave out --input") }
    guard !files.isEmpty || decode != nil else {
      throw ValidationError("Missing expected argument '--input <[NAME=]FILE>'")
    }
    if greedy, decode != nil { throw ValidationError("--greedy and --decode are two ways to predict: give one") }
    if greedy, grid != nil { throw ValidationError("--grid draws images; --greedy decodes token sequences") }
    for file in files { try InputFiles.require(file.path, option: "--input") }
    if greedy { return try decodeGreedily(checked, files: files) }
    let predictions: Predictions
    var inputs: [(input: ValueID, values: [Float])] = []
    do {
      if let decode {
        predictions = try Predictor.decode(checked, weights: weights, from: decode, samples: samples, seed: seed)
      } else {
        (inputs, predictions) = try Predictor.predictWithInputs(checked, weights: weights, inputs: files)
      }
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.invalid
    }
    if let grid {
      try writeGrid(grid, predictions, inputs: inputs, graph: checked.graph)
      guard output != nil else { return }
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
    try write(predictions.csvLines(classNames: names).joined(separator: "\n") + "\n")
  }

  /// `--greedy`: decodes the samples of `files` and prints or writes the tokens.
  private func decodeGreedily(_ checked: CheckedSpec, files: [(name: String?, path: String)]) throws {
    let decoded: (sequences: DecodedSequences, classes: Int)
    do { decoded = try Predictor.decodeGreedily(checked, weights: weights, inputs: files) } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.invalid
    }
    let tokens = decoded.sequences.tokens
    if let output, output.hasSuffix(".npy") {
      do {
        try NPYWriting.write(
          tokens.flatMap { $0.map(Float.init) }, shape: [tokens.count, tokens.first?.count ?? 0], to: output)
      } catch {
        Console.printError("error: cannot write `\(output)`: \(error)\n")
        throw ExitCode.unreadable
      }
      return
    }
    let lines = decoded.sequences.csvLines(classNames: checked.document.data?.classes?.names, classes: decoded.classes)
    try write(lines.joined(separator: "\n") + "\n")
  }

  /// Prints `text`, or writes it to `-o`.
  private func write(_ text: String) throws {
    guard let output else { return print(text, terminator: "") }
    do {
      try text.write(toFile: output, atomically: true, encoding: .utf8)
    } catch {
      Console.printError("error: cannot write `\(output)`: \(error)\n")
      throw ExitCode.unreadable
    }
  }

  /// Writes the outputs as a grid of images, each input above its output
  /// when the model has one input of the output's size (an autoencoder).
  private func writeGrid(
    _ path: String, _ predictions: Predictions, inputs: [(input: ValueID, values: [Float])], graph: Graph
  ) throws {
    guard let size = ImageGrid.imageSize(of: predictions.sampleShape) else {
      Console.printError(
        "error: --grid draws outputs of one image per sample ([H*W] square, [H, W] or [1, H, W]), "
          + "but the model's output has shape \(predictions.sampleShape) per sample\n"
          + "  help: predict to CSV or NPY instead (-o OUT.npy)\n")
      throw ExitCode.invalid
    }
    let outputs = ImageGrid.levels(of: predictions)
    var cells = outputs.map { Optional($0) }
    var columns = gridColumns
    if inputs.count == 1, inputs[0].values.count == predictions.outputs.count {
      let stride = predictions.perSample
      let samples = (0..<predictions.count).map { Array(inputs[0].values[($0 * stride)..<(($0 + 1) * stride)]) }
      (cells, columns) = ImageGrid.pairedRows(inputs: samples, outputs: outputs, columns: gridColumns)
    }
    let picture = ImageGrid(images: cells, imageHeight: size.height, imageWidth: size.width, columns: columns)
    do {
      try picture.write(to: path)
    } catch {
      Console.printError("error: cannot write `\(path)`: \(error)\n")
      throw ExitCode.unreadable
    }
    Console.printError("wrote \(path): \(predictions.count) images, \(picture.width)x\(picture.height) pixels\n")
  }
}
