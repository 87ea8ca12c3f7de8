import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec eval SPEC --weights W`: score saved weights on the spec's data.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval", abstract: "Evaluate saved weights on the spec's test split (and validation split).",
    discussion: """
      Prints each split's loss and metrics; for classifiers the confusion matrix and \
      per-class precision, recall and F1 (class names from `data.classes` or the \
      training CSV's header), for regression MAE, RMSE and R². Writes the confusion \
      matrix of the last split (test, else validation, else train) as SVG to \
      confusion.svg beside the weights, or to -o. For segmentation (a loss over \
      maps) the mean IoU too, and with --masks an SVG of that split's first \
      samples: image, true mask and predicted mask.
      """)

  @Argument(help: "The spec the weights belong to.", completion: .specFile)
  var spec: String

  @Option(help: "A safetensors file written by `netspec train`.")
  var weights: String

  @Option(name: .shortAndLong, help: "Write the confusion matrix SVG here (default: confusion.svg beside the weights).")
  var output: String?

  @Option(help: "Write the first samples' images, true and predicted masks as SVG here (a segmentation model).")
  var masks: String?

  @Option(help: "How many samples --masks draws.")
  var maskSamples = 6

  @OptionGroup var specOptions: SpecOptions

  @OptionGroup var threadOptions: ThreadOptions

  func run() throws {
    threadOptions.apply()
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
    var splits = [("validation", prepared.validation), ("test", prepared.test)].compactMap { name, split in
      split.map { (name, $0) }
    }
    if splits.isEmpty { splits = [("train", prepared.train)] }
    let names = checked.document.data?.classes?.names ?? prepared.train.classNames
    var last: (name: String, report: EvaluationReport)?
    for (name, split) in splits {
      let report = EvaluationReport(metrics: trainer.evaluate(split), classNames: names)
      Console.say("\(name): " + report.metrics.summary + " (\(split.count) samples)")
      if !report.text.isEmpty { Console.say(report.text) }
      last = (name, report)
    }
    if let masks, let last {
      try writeMasks(masks, trainer: trainer, split: splits.last!.1, name: last.name)
    }
    guard let last, let matrix = last.report.metrics.confusion else { return }
    let path =
      output ?? ((weights as NSString).deletingLastPathComponent as NSString).appendingPathComponent("confusion.svg")
    let title = "\(checked.document.name ?? checked.file.path), \(last.name)"
    do {
      try ConfusionMatrixChart(title: title, matrix: matrix, labels: last.report.labels).write(to: path)
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
    }
    Console.say("wrote \(path)")
  }

  /// Writes the `--masks` chart of the first samples of `split`.
  private func writeMasks(_ path: String, trainer: Trainer, split: Dataset, name: String) throws {
    let sampleShape = split.inputShape
    guard trainer.loop.settings.scoresIoU, sampleShape.count >= 2,
      let predicted = trainer.predictedClasses(split, count: maskSamples)
    else {
      Console.printError(
        "error: --masks needs a segmentation model: a cross_entropy or binary_cross_entropy loss over maps\n")
      throw ExitCode.unreadable
    }
    let (height, width) = (sampleShape[sampleShape.count - 2], sampleShape[sampleShape.count - 1])
    let count = predicted.count / (height * width)
    let images = (0..<count).flatMap { sample in
      split.inputs[(sample * split.inputStride)..<(sample * split.inputStride + height * width)]
    }
    let truth = split.labels[0..<(count * height * width)].map { Int($0) }
    let title = "\(trainer.spec.document.name ?? trainer.spec.file.path), \(name)"
    do {
      try MaskChart(
        title: title, height: height, width: width, images: images, truth: truth, predicted: predicted
      ).write(to: path)
    } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
    }
    Console.say("wrote \(path)")
  }
}
