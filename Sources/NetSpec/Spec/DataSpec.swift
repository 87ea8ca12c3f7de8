import NetSpecDiagnostics
import NetSpecYAML

/// The `data:` section: where the training (and test) samples come from, how
/// they are split, and how training samples are augmented.
///
/// ```yaml
/// data:
///   train: {csv: ../Examples/data/mnist_5k.csv.gz, label: last, scale: 1/255, reshape: [1, 28, 28]}
///   split: {validation: 0.1, test: 0.1, shuffle: true}
///   augment: [{random_shift: 2}]
///   classes: [zero, one, two, three, four, five, six, seven, eight, nine]
/// ```
public struct DataSpec: Sendable {
  /// The samples to train on (and to split validation and test sets from).
  public var train: DataSource
  /// A separate test set; nil when the test set (if any) is split from `train`.
  public var test: DataSource?
  public var split: DataSplit
  /// Applied in order to each training sample each epoch (never to validation
  /// or test samples).
  public var augmentations: [Augmentation]
  /// `classes:`: the names of the class indices 0, 1, ... of a
  /// `cross_entropy` model, which `netspec eval` and `predict` print.
  public var classes: ClassNames?
  /// The `data:` value.
  public var span: SourceSpan

  static let keys = ["train", "test", "split", "augment", "classes"]

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> DataSpec? {
    guard let reader = MappingReader(node, section: "data", keys: keys, resolver: resolver, &diagnostics)
    else { return nil }
    var train: DataSource?
    if let node = reader.node("train") {
      train = DataSource.decode(node, section: "data.train", resolver: resolver, &diagnostics)
    } else {
      reader.requireKey(
        "train", allowed: keys, help: "name the training data, e.g. `train: {csv: data/train.csv}`", &diagnostics)
    }
    let test = reader.node("test").flatMap {
      DataSource.decode($0, section: "data.test", resolver: resolver, &diagnostics)
    }
    if case .mapping(let entries, _)? = reader.node("test"),
      let standardize = entries.first(where: { $0.key.value == "standardize" })
    {
      diagnostics.append(
        Diagnostic(.unknownKey, at: standardize.key.span, "`standardize` applies to `data.train` only")
          .help(
            "the test set is standardized with the training statistics whenever `data.train` has `standardize: true`; remove it here"
          ))
    }
    let split = reader.node("split").flatMap {
      DataSplit.decode($0, resolver: resolver, separateTest: test, &diagnostics)
    }
    let augmentations = reader.node("augment").map {
      Augmentation.decodeList($0, resolver: resolver, &diagnostics)
    }
    let classes = reader.node("classes").flatMap { ClassNames.decode($0, resolver: resolver, &diagnostics) }
    guard let train else { return nil }
    return DataSpec(
      train: train, test: test,
      split: split ?? DataSplit(validation: 0, test: 0, shuffle: true, span: reader.span),
      augmentations: augmentations ?? [], classes: classes, span: reader.span)
  }
}

/// `data.split`: fractions of the training source held out for validation and
/// testing. The held-out samples are taken after an optional shuffle seeded by
/// `train.seed`, before any augmentation.
public struct DataSplit: Sendable, Hashable {
  /// Fraction in [0, 1) held out for validation; 0 unless given.
  public var validation: Double
  /// Fraction in [0, 1) held out for testing; 0 unless given.
  public var test: Double
  /// Shuffle before splitting and at each epoch; true unless given.
  public var shuffle: Bool
  /// The `split:` value, or the `data:` section when defaulted.
  public var span: SourceSpan

  static let keys = ["validation", "test", "shuffle"]

  /// Decodes a split; `separateTest` is `data.test`, which a test fraction
  /// would contradict.
  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, separateTest: DataSource?,
    _ diagnostics: inout DiagnosticBag
  ) -> DataSplit? {
    guard
      let reader = MappingReader(
        node, section: "data.split", keys: keys, resolver: resolver,
        &diagnostics)
    else { return nil }
    let validation = reader.number("validation", .fraction, &diagnostics)
    let test = reader.number("test", .fraction, &diagnostics)
    if let validation, let test, validation + test >= 1, let testNode = reader.node("test") {
      diagnostics.append(
        Diagnostic(
          .valueOutOfRange, at: testNode.span,
          "`validation` + `test` is \(formatNumber(validation + test)), which leaves no training data"
        )
        .label(reader.node("validation")?.span, "validation fraction")
        .help("keep their sum below 1, e.g. `validation: 0.1, test: 0.1`"))
    }
    if let test, test > 0, let separateTest, let testNode = reader.node("test") {
      diagnostics.append(
        Diagnostic(.badData, at: testNode.span, "the test set is given twice: by `data.test` and by `split.test`")
          .label(separateTest.span, "the separate test set")
          .help("remove `test` from `split`, or remove `data.test`"))
    }
    return DataSplit(
      validation: validation ?? 0, test: test ?? 0,
      shuffle: reader.bool("shuffle", &diagnostics) ?? true, span: reader.span)
  }
}
