import NetSpecDiagnostics

/// Turns one source's samples, as read, into what the graph takes: applies
/// `reshape` and `scale`, checks the samples against the fed input (binding
/// symbolic sizes such as `T`), and fits the labels to the loss's target
/// (class indices, one-hot rows or values). Problems are reported at the
/// source, its `reshape`, or the augmentation at fault.
struct SourcePreparation {
  let graph: Graph
  let feed: GraphFeed
  let augmentations: [Augmentation]

  func prepare(
    _ read: SourceSamples, source: DataSource, section: String, bindings: inout [String: Int],
    _ diagnostics: inout DiagnosticBag
  ) -> Dataset? {
    var dataset = read.dataset
    let origin = Self.origin(source)
    guard dataset.count > 0 else {
      diagnostics.append(
        Diagnostic(.badData, at: source.span, "\(origin) holds no samples").help(
          "give `\(section)` at least one sample"))
      return nil
    }
    if !read.parts.isEmpty {
      guard let inputs = arrange(read.parts, source: source, bindings: &bindings, &diagnostics),
        let labels = fitLabels(dataset, source: source, origin: origin, bindings: &bindings, &diagnostics)
      else { return nil }
      dataset.inputs = inputs
      dataset.inputShape = [inputs.count / dataset.count]
      dataset.labels = labels.values
      dataset.labelShape = labels.shape
      return dataset
    }
    if let reshape = source.reshape {
      let count = reshape.sizes.reduce(1, *)
      guard count == dataset.inputStride else {
        diagnostics.append(
          Diagnostic(
            .badShape, at: reshape.span,
            "`reshape` makes samples of \(count) values, but the samples of \(origin) have \(dataset.inputStride)"
          )
          .help("give sizes whose product is \(dataset.inputStride), or check the label column"))
        return nil
      }
      dataset.inputShape = reshape.sizes
    }
    if let scale = source.scale {
      let factor = Float(scale)
      for i in dataset.inputs.indices { dataset.inputs[i] *= factor }
    }
    guard checkInputs(dataset, source: source, section: section, origin: origin, bindings: &bindings, &diagnostics),
      let labels = fitLabels(dataset, source: source, origin: origin, bindings: &bindings, &diagnostics)
    else { return nil }
    dataset.labels = labels.values
    dataset.labelShape = labels.shape
    return dataset
  }

  /// How messages name a source's samples.
  static func origin(_ source: DataSource) -> String {
    switch source.format {
    case .csv(let path, _, _), .csvFiles(let path, _), .npy(let path, _), .idx(let path, _),
      .csvColumns(let path, _, _, _), .perInput(_, _, let path):
      "`\(path.path)`"
    case .synthetic(let spec): "the `\(spec.task.rawValue)` task"
    }
  }

  // MARK: - Inputs

  /// Why a crop in `augmentations` cannot cut its window from samples of
  /// `inputShape`, with the augmentation at fault; nil when all fit.
  static func cropProblem(_ augmentations: [Augmentation], inputShape: [Int]) -> (Augmentation, String)? {
    var (height, width) = (inputShape[inputShape.count - 2], inputShape[inputShape.count - 1])
    for augmentation in augmentations {
      guard case .randomCrop(let h, let w, let padding) = augmentation.kind else { continue }
      if height + 2 * padding < h || width + 2 * padding < w {
        return (
          augmentation,
          "the crop window is \(h)x\(w), larger than the \(height)x\(width) samples padded by \(padding) on each side"
        )
      }
      (height, width) = (h, w)
    }
    return nil
  }

  private func checkInputs(
    _ dataset: Dataset, source: DataSource, section: String, origin: String, bindings: inout [String: Int],
    _ diagnostics: inout DiagnosticBag
  ) -> Bool {
    let input = graph.values[feed.input]
    let declared = input.type.shape.dropFirst()
    var shape = dataset.inputShape
    let crops = augmentations.contains { if case .randomCrop = $0.kind { true } else { false } }
    if crops, shape.count >= 2 {
      if let (augmentation, problem) = Self.cropProblem(augmentations, inputShape: shape) {
        diagnostics.append(
          Diagnostic(.badShape, at: augmentation.span, problem)
            .label(source.reshape?.span ?? source.span, "the samples are \(Self.describe(shape)) here")
            .help("make the crop smaller than the padded samples, or pad more"))
        return false
      }
      shape = Augmenter(augmentations.map(\.kind), inputShape: shape).outputShape
    }
    guard GraphFeed.match(shape, declared, &bindings) else {
      let expected = Shape(declared)
      let cropped = crops ? " after cropping" : ""
      var diagnostic = Diagnostic(
        .badShape, at: source.reshape?.span ?? source.span,
        "the samples of \(origin) have shape \(Self.describe(shape))\(cropped), but the input `\(input.name)` takes \(expected.shapeDescription)"
      )
      .label(input.span, "`\(input.name)` is declared here")
      if let sizes = expected.staticSizes, sizes.reduce(1, *) == dataset.inputStride, !crops {
        diagnostic = diagnostic.help("add `reshape: \(Self.describe(sizes))` to `\(section)`")
      } else {
        diagnostic = diagnostic.help(
          "check the input's declared shape and the data (and its `reshape`); each sample holds \(dataset.inputStride) values"
        )
      }
      diagnostics.append(diagnostic)
      return false
    }
    return checkTokenIDs(
      dataset.inputs, stride: dataset.inputStride, input: feed.input, origin: origin, at: source.span, &diagnostics)
  }

  /// Whether the `values` fed the input `id` (`stride` of them per sample)
  /// are ids it can take: whole numbers for an int32 input, within the
  /// vocabulary of the embedding that reads them; else reports the first
  /// sample that is not, at `span` (the data's file or column list).
  func checkTokenIDs(
    _ values: [Float], stride: Int, input id: ValueID, origin: String, at span: SourceSpan?,
    _ diagnostics: inout DiagnosticBag
  ) -> Bool {
    let input = graph.values[id]
    if input.type.dtype == .int32, let bad = values.firstIndex(where: { !Self.isIndex($0) }) {
      diagnostics.append(
        Diagnostic(
          .badData, at: span,
          "sample \(bad / max(stride, 1)) of \(origin) holds \(values[bad]), but the input `\(input.name)` takes int32 ids"
        )
        .label(input.span, "`\(input.name)` is declared int32 here")
        .help("int32 inputs (token ids) must be whole numbers from 0; declare the input float32 for real values"))
      return false
    }
    if let table = graph.tokenTable(reading: id), let bad = values.firstIndex(where: { $0 >= Float(table.vocab) }) {
      diagnostics.append(
        Diagnostic(
          .badData, at: span,
          "sample \(bad / max(stride, 1)) of \(origin) holds the token id \(Int(values[bad])), but `\(table.node.name)` has a vocabulary of \(table.vocab) (ids 0…\(table.vocab - 1))"
        )
        .label(table.vocabSpan, "the vocabulary is set here")
        .help("raise `vocab` to cover every id in the data, or map rare ids to one of 0…\(table.vocab - 1)"))
      return false
    }
    return true
  }

  /// A whole number in 0..<2^24 (exact as float32).
  static func isIndex(_ value: Float) -> Bool {
    value >= 0 && value < 16_777_216 && value == value.rounded(.towardZero)
  }

  /// The sizes of `shape` under `bindings`, or nil if a symbol is unbound.
  static func evaluate(_ shape: some Collection<Dim>, _ bindings: [String: Int]) -> [Int]? {
    var sizes: [Int] = []
    for dim in shape {
      guard let size = dim.evaluate(bindings) else { return nil }
      sizes.append(size)
    }
    return sizes
  }

  static func describe(_ sizes: [Int]) -> String { "[" + sizes.map(String.init).joined(separator: ", ") + "]" }

  // MARK: - Labels

  /// The labels in the target's layout: the shape of one label and the values.
  private func fitLabels(
    _ dataset: Dataset, source: DataSource, origin: String, bindings: inout [String: Int],
    _ diagnostics: inout DiagnosticBag
  ) -> (values: [Float], shape: [Int])? {
    guard let targetID = feed.target else { return (dataset.labels, dataset.labelShape) }
    let target = graph.values[targetID]
    let declared = target.type.shape.dropFirst()
    func fail(_ message: String, _ help: String) -> (values: [Float], shape: [Int])? {
      diagnostics.append(
        Diagnostic(.badData, at: source.span, message)
          .label(target.span, "the loss compares against \(target.type) here")
          .help(help))
      return nil
    }
    guard target.type.shape.first == Dim.symbol(GraphFeed.batchSymbol) else {
      return fail(
        "the loss target `\(target.name)` is \(target.type), without a first batch axis `N`",
        "compare a prediction with a batch axis first, e.g. [N, 10]")
    }
    if let wanted = source.labelDType, wanted != target.type.dtype {
      return fail(
        "`label_dtype` is \(wanted.rawValue), but the loss compares against \(target.type)",
        "remove `label_dtype`: the loss decides the labels' type")
    }
    let perSample = "\(Self.describe(dataset.labelShape)) per sample"
    // Labels in the target's layout, or with its element count.
    var shape = dataset.labelShape
    var fits = GraphFeed.match(shape, declared, &bindings)
    if !fits, let sizes = Self.evaluate(declared, bindings), sizes.reduce(1, *) == dataset.labelStride {
      shape = sizes
      fits = true
    }
    switch target.type.dtype {
    case .int32:
      if source.oneHot == true {
        return fail(
          "`one_hot: true` makes float32 rows, but the loss compares against class indices \(target.type)",
          "remove `one_hot`: this loss takes class indices")
      }
      guard fits else {
        return fail(
          "the labels of \(origin) are \(perSample), but the loss compares against class indices \(target.type)",
          "give one class index per \(declared.isEmpty ? "sample" : "position"): \(Shape(declared).shapeDescription) per sample"
        )
      }
      guard checkIndices(dataset, origin: origin, classes: feed.classCount, &diagnostics, source: source) else {
        return nil
      }
      return (dataset.labels, shape)
    case .float32:
      let rows = declared.count == 1 ? declared.first!.staticValue : nil
      if dataset.labelStride == 1, let classes = rows, classes > 1, source.oneHot != false {
        guard checkIndices(dataset, origin: origin, classes: classes, &diagnostics, source: source) else {
          return nil
        }
        var values = [Float](repeating: 0, count: dataset.count * classes)
        for (sample, label) in dataset.labels.enumerated() { values[sample * classes + Int(label)] = 1 }
        return (values, [classes])
      }
      if source.oneHot == true {
        return fail(
          "`one_hot: true` needs one class index per sample and a loss over [N, K] rows, but the labels are \(perSample) and the loss compares against \(target.type)",
          "remove `one_hot`")
      }
      guard fits else {
        let help =
          dataset.labelStride == 1 && rows != nil
          ? "remove `one_hot: false`: class indices must become one-hot rows for this loss"
          : "give \(Shape(declared).shapeDescription) values per sample, or change the model's output to match the labels"
        return fail(
          "the labels of \(origin) are \(perSample), but the loss compares against \(target.type)", help)
      }
      return (dataset.labels, shape)
    }
  }

  /// Checks that every label is a class index below `classes` (when known).
  private func checkIndices(
    _ dataset: Dataset, origin: String, classes: Int?, _ diagnostics: inout DiagnosticBag, source: DataSource
  ) -> Bool {
    let limit = Float(classes ?? 16_777_216)
    guard let bad = dataset.labels.firstIndex(where: { !Self.isIndex($0) || $0 >= limit }) else { return true }
    let value = dataset.labels[bad]
    let sample = bad / max(dataset.labelStride, 1)
    let message =
      Self.isIndex(value)
      ? "sample \(sample) of \(origin) has the label \(Int(value)), but the model has \(classes ?? 0) classes (0…\((classes ?? 1) - 1))"
      : "sample \(sample) of \(origin) has the label \(value), which is not a class index"
    let prediction = feed.prediction.map { graph.values[$0] }
    diagnostics.append(
      Diagnostic(.badData, at: source.span, message)
        .label(prediction?.span, prediction.map { "`\($0.name)` is \($0.type) here" } ?? "")
        .help(
          Self.isIndex(value)
            ? "make the model's output as wide as the number of classes, or check the label column"
            : "class labels are whole numbers 0, 1, 2, …; for real-valued targets use a regression loss such as `mse`"))
    return false
  }
}
