import NetSpecDiagnostics

/// Loads the `data:` section of a spec for its graph: reads the sources,
/// prepares the samples (reshape, scale, labels fitted to the loss), splits
/// off validation and test samples, standardizes, and cuts the evaluation
/// splits to the input size when a random crop is configured.
///
/// ```swift
/// var diagnostics = DiagnosticBag()
/// if let spec = Frontend.load(path: "specs/lenet5.yaml", &diagnostics), let data = spec.document.data,
///   let prepared = DataPipeline.load(data, for: spec.graph, seed: spec.document.train?.seed ?? 0, &diagnostics)
/// {
///   var batches = prepared.trainingBatches(batchSize: .size(64))
///   // ...
/// }
/// ```
public enum DataPipeline {
  /// The prepared data, or nil after reporting every problem found
  /// (`NS0502 bad-data` at the file, `NS0305 bad-shape` at a `reshape`, ...).
  public static func load(
    _ data: DataSpec, for graph: Graph, seed: Int, _ diagnostics: inout DiagnosticBag
  ) -> PreparedData? {
    guard let feed = GraphFeed(graph, data: data, &diagnostics) else { return nil }
    let preparation = SourcePreparation(graph: graph, feed: feed, augmentations: data.augmentations)
    let seedBits = UInt64(truncatingIfNeeded: seed)
    var bindings: [String: Int] = [:]

    var random = RandomGenerator(seed: seedBits, stream: DataRandomStream.syntheticTrain)
    var csvHeaders: [String] = []
    let train = SourceReader.read(data.train, random: &random, csvHeaders: &csvHeaders, &diagnostics).flatMap {
      preparation.prepare($0, source: data.train, section: "data.train", bindings: &bindings, &diagnostics)
    }
    var separateTest: Dataset?
    if let source = data.test {
      random = RandomGenerator(seed: seedBits, stream: DataRandomStream.syntheticTest)
      guard
        let read = SourceReader.read(source, random: &random, csvHeaders: &csvHeaders, &diagnostics),
        let prepared = preparation.prepare(
          read, source: source, section: "data.test", bindings: &bindings, &diagnostics)
      else { return nil }
      separateTest = prepared
    }
    guard let train, movesNoTarget(data, labelShape: train.labelShape, &diagnostics) else { return nil }
    guard var splits = split(train, data.split, seed: seedBits, source: data.train, &diagnostics) else { return nil }
    if let separateTest { splits.test = separateTest }

    var standardization: Standardization?
    if data.train.standardizesAny {
      var statistics = Standardization(fitting: splits.train)
      if !data.train.inputTransforms.isEmpty {
        keepUnstandardized(&statistics, graph: graph, inputs: feed.inputs, data.train.inputTransforms, bindings)
      }
      if let test = splits.test, test.inputStride != splits.train.inputStride, let source = data.test {
        diagnostics.append(
          Diagnostic(
            .badShape, at: source.reshape?.span ?? source.span,
            "the test samples have shape \(SourcePreparation.describe(test.inputShape)), but the training statistics are for \(SourcePreparation.describe(splits.train.inputShape))"
          )
          .help("standardizing needs test samples stored like the training samples"))
        return nil
      }
      statistics.apply(to: &splits.train.inputs)
      if splits.validation != nil { statistics.apply(to: &splits.validation!.inputs) }
      if splits.test != nil { statistics.apply(to: &splits.test!.inputs) }
      standardization = statistics
    }
    return PreparedData(
      train: splits.train, validation: splits.validation.map { evaluationView($0, data.augmentations) },
      test: splits.test.map { evaluationView($0, data.augmentations) }, inputs: feed.inputs, target: feed.target,
      bindings: bindings, scale: data.train.scale.map(Float.init), standardization: standardization,
      augmentations: data.augmentations, shuffle: data.split.shuffle, seed: seed, csvHeaders: csvHeaders)
  }

  /// Makes `statistics` of samples holding `inputs` side by side leave the
  /// features of the inputs that `transforms` does not standardize as they
  /// are (mean 0, standard deviation 1).
  static func keepUnstandardized(
    _ statistics: inout Standardization, graph: Graph, inputs: [ValueID], _ transforms: [InputTransform],
    _ bindings: [String: Int]
  ) {
    var offset = 0
    for id in inputs {
      let input = graph.values[id]
      let stride = SourcePreparation.evaluate(input.type.shape.dropFirst(), bindings)?.reduce(1, *) ?? 0
      if !transforms.contains(where: { $0.name == input.name && $0.standardize }) {
        for j in offset..<(offset + stride) {
          statistics.mean[j] = 0
          statistics.standardDeviation[j] = 1
        }
      }
      offset += stride
    }
  }

  /// Whether the augmentations leave the targets valid: an augmentation that
  /// moves pixels (`random_shift`, `random_crop`, `horizontal_flip`) would
  /// leave a per-position target (a segmentation mask, a map of values)
  /// describing pixels that moved, so it is reported with such targets.
  static func movesNoTarget(_ data: DataSpec, labelShape: [Int], _ diagnostics: inout DiagnosticBag) -> Bool {
    guard labelShape.count >= 2 else { return true }
    let moving = data.augmentations.first {
      if case .gaussianNoise = $0.kind { false } else { true }
    }
    guard let moving else { return true }
    diagnostics.append(
      Diagnostic(
        .badData, at: moving.span,
        "this augmentation moves the pixels of the samples, but not those of their \(SourcePreparation.describe(labelShape)) targets"
      )
      .label(data.train.span, "per-position targets here")
      .help(
        "remove the augmentations that move pixels (`gaussian_noise` keeps them in place), or train on targets with one value per sample"
      ))
    return false
  }

  /// Splits `dataset` per `split`: after the seeded shuffle (when on), the
  /// first samples train, the next validate, the last test. A nonzero
  /// fraction holds out at least one sample. With nothing held out, the
  /// dataset is returned as is.
  static func split(
    _ dataset: Dataset, _ split: DataSplit, seed: UInt64, source: DataSource, _ diagnostics: inout DiagnosticBag
  ) -> (train: Dataset, validation: Dataset?, test: Dataset?)? {
    let count = dataset.count
    func held(_ fraction: Double) -> Int { fraction > 0 ? max(1, Int((fraction * Double(count)).rounded())) : 0 }
    let (validation, test) = (held(split.validation), held(split.test))
    let training = count - validation - test
    guard training >= 1 else {
      diagnostics.append(
        Diagnostic(
          .badData, at: split.span,
          "holding out \(validation) validation and \(test) test samples leaves none of the \(count) samples for training"
        )
        .label(source.span, "\(count) samples here")
        .help("use smaller fractions, or more data"))
      return nil
    }
    if validation == 0, test == 0 { return (dataset, nil, nil) }
    var order = Array(0..<count)
    if split.shuffle {
      var random = RandomGenerator(seed: seed, stream: DataRandomStream.split)
      random.shuffle(&order)
    }
    return (
      dataset.subset(order[0..<training]),
      validation > 0 ? dataset.subset(order[training..<(training + validation)]) : nil,
      test > 0 ? dataset.subset(order[(training + validation)...]) : nil
    )
  }

  /// `dataset` as evaluation sees it: cut to each random crop's centered
  /// window (the other augmentations do not apply outside training).
  static func evaluationView(_ dataset: Dataset, _ augmentations: [Augmentation]) -> Dataset {
    guard augmentations.contains(where: { if case .randomCrop = $0.kind { true } else { false } }) else {
      return dataset
    }
    let augmenter = Augmenter(augmentations.map(\.kind), inputShape: dataset.inputShape)
    let (from, to) = (dataset.inputStride, augmenter.outputShape.reduce(1, *))
    var inputs = [Float](repeating: 0, count: dataset.count * to)
    var scratch = [Float](repeating: 0, count: augmenter.scratchCount)
    dataset.inputs.withUnsafeBufferPointer { source in
      inputs.withUnsafeMutableBufferPointer { target in
        scratch.withUnsafeMutableBufferPointer { scratch in
          for sample in 0..<dataset.count {
            augmenter.center(
              UnsafeBufferPointer(rebasing: source[(sample * from)..<((sample + 1) * from)]),
              into: UnsafeMutableBufferPointer(rebasing: target[(sample * to)..<((sample + 1) * to)]),
              scratch: scratch)
          }
        }
      }
    }
    var view = dataset
    view.inputs = inputs
    view.inputShape = augmenter.outputShape
    return view
  }
}
