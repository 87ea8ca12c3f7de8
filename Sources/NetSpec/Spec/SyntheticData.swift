import NetSpecDiagnostics
import NetSpecYAML

/// `synthetic: {task: ..., samples: ..., length: ...}`: sequence tasks generated
/// from `train.seed`, for testing recurrent and attention models without files;
/// `synthetic: {task: shapes, samples: ..., size: ...}`: images to segment.
///
/// - `adding`: inputs `[length, 2]`: a random value in [0, 1) and a marker (1 at
///   exactly two positions, else 0); the float32 target is the sum of the two
///   marked values.
/// - `copy`, `reverse`, `sort`: inputs are `length` int32 tokens in `0..<vocab`;
///   the target is the same sequence, reversed, or sorted ascending. With
///   `inputs: {sequence: NAME, shifted_labels: NAME}` they feed two model
///   inputs: the tokens, and the target shifted right by one step behind the
///   start token `vocab` (a decoder's teacher-forcing input).
/// - `shapes`: inputs `[1, size, size]`: a rectangle and a disc, equally bright,
///   on a darker noisy background; the target `[size, size]` is each pixel's
///   class: 0 background, 1 rectangle, 2 disc (`classes: 3`, the default), or
///   0 background and 1 either shape (`classes: 2`).
/// - `waveform`: inputs are `length` int32 mu-law classes in `0..<vocab` (256
///   unless given) of a sum of two random sines; the target is each next
///   sample's class (next-sample prediction, as WaveNet).
public struct SyntheticData: Sendable, Hashable {
  public enum Task: String, Sendable, CaseIterable {
    case adding, copy, reverse, sort, shapes, waveform
  }

  public var task: Task
  /// Number of sequences (or images) generated.
  public var samples: Int
  /// Length of each sequence; the image side for `shapes`.
  public var length: Int
  /// Number of distinct tokens (>= 2, 10 unless given, 256 for `waveform`); nil for `adding` and `shapes`.
  public var vocab: Int?
  /// The number of pixel classes of `shapes` (2 or 3, 3 unless given); nil for the other tasks.
  public var classes: Int?
  /// The model inputs fed by a `copy`, `reverse` or `sort` task that feeds
  /// two (`inputs: {sequence: src, shifted_labels: dec}`); nil when it feeds one.
  public var inputs: SyntheticInputs?
  /// The `synthetic:` value.
  public var span: SourceSpan

  static let keys = ["task", "samples", "length", "vocab", "size", "classes", "inputs"]

  /// The image sides `shapes` draws: room for two shapes, at most 1024.
  public static let sizes = 8...1024

  /// The most values (`samples * length`) a task may generate.
  static let maxValues = 100_000_000

  static func decode(
    _ node: YAMLNode, section: String, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> SyntheticData? {
    guard let reader = MappingReader(node, section: section, keys: keys, resolver: resolver, &diagnostics)
    else { return nil }
    let task = reader.choice("task", Task.allCases.map(\.rawValue), &diagnostics).flatMap(Task.init(rawValue:))
    let images = task == .shapes
    let sizeKey = images ? "size" : "length"
    for key in ["task", "samples", sizeKey] {
      reader.requireKey(
        key, allowed: keys,
        help: images
          ? "for example `synthetic: {task: shapes, samples: 200, size: 16}`"
          : "for example `synthetic: {task: copy, samples: 1000, length: 10}`", &diagnostics)
    }
    let tokens = task != .adding && !images
    for (key, applies) in [("length", !images), ("size", images), ("classes", images), ("inputs", tokens)]
    where !applies {
      guard let span = reader.keySpan(key), task != nil else { continue }
      diagnostics.append(
        Diagnostic(.unknownKey, at: span, "`\(key)` does not apply to the `\(task!.rawValue)` task")
          .help(
            key == "inputs"
              ? "only `copy`, `reverse` and `sort` feed a decoder input; remove `inputs`"
              : images ? "`shapes` images are `size` pixels square; remove `\(key)`" : "remove `\(key)`"))
    }
    let samples = reader.int("samples", in: 1...maxValues, &diagnostics)
    let length =
      images ? reader.int("size", in: sizes, &diagnostics) : reader.int("length", in: 1...maxValues, &diagnostics)
    let values = length.map { images ? $0 * $0 : $0 }
    if let samples, let values, samples * values > maxValues, let value = reader.node("samples") {
      diagnostics.append(
        Diagnostic(
          .valueOutOfRange, at: value.span,
          "\(samples) samples of \(values) values are more than \(maxValues) values"
        ).help(images ? "generate fewer or smaller images" : "generate fewer or shorter sequences"))
    }
    if task == .adding, let length, length < 2, let value = reader.node("length") {
      diagnostics.append(
        Diagnostic(.valueOutOfRange, at: value.span, "the adding task marks two positions, but `length` is \(length)")
          .help("use a `length` of at least 2"))
    }
    var vocab: Int?
    if task != .adding, !images {
      vocab = reader.int("vocab", in: 2...1_000_000, &diagnostics) ?? (task == .waveform ? 256 : 10)
    } else if let key = reader.keySpan("vocab"), let task {
      diagnostics.append(
        Diagnostic(.unknownKey, at: key, "`vocab` does not apply to the `\(task.rawValue)` task")
          .help(
            images
              ? "`shapes` labels pixels with `classes`; remove `vocab`"
              : "adding sequences hold numbers, not tokens; remove `vocab`"))
    }
    let classes = images ? reader.int("classes", in: 2...3, &diagnostics) ?? 3 : nil
    var inputs: SyntheticInputs?
    if tokens, let node = reader.node("inputs") {
      guard let decoded = SyntheticInputs.decode(node, section: section, &diagnostics) else { return nil }
      inputs = decoded
    }
    guard let task, let samples, let length else { return nil }
    return SyntheticData(
      task: task, samples: samples, length: length, vocab: vocab, classes: classes, inputs: inputs,
      span: reader.span)
  }
}

/// `inputs: {sequence: NAME, shifted_labels: NAME}` of a token task: the model
/// input the tokens feed, and the one the labels shifted right behind a start
/// token feed (teacher forcing: position `t` holds label `t - 1`, position 0
/// the id `vocab`, so the decoder's embedding needs `vocab + 1` rows).
public struct SyntheticInputs: Sendable, Hashable {
  /// The input the task's tokens feed.
  public var sequence: String
  public var sequenceSpan: SourceSpan
  /// The input the shifted labels feed.
  public var shiftedLabels: String
  public var shiftedLabelsSpan: SourceSpan

  static let keys = ["sequence", "shifted_labels"]

  /// The two names; nil after reporting a missing or unknown key or a bad name.
  static func decode(_ node: YAMLNode, section: String, _ diagnostics: inout DiagnosticBag) -> SyntheticInputs? {
    let place = "\(section).inputs"
    guard let reader = MappingReader(node, section: place, keys: keys, &diagnostics) else { return nil }
    var names: [(String, SourceSpan)] = []
    for key in keys {
      reader.requireKey(
        key, allowed: keys, help: "for example `inputs: {sequence: source, shifted_labels: previous}`", &diagnostics)
      guard let name = reader.string(key, &diagnostics), let span = reader.node(key)?.span,
        ValueCheck.name(name, of: "input", at: span, &diagnostics)
      else { continue }
      names.append((name, span))
    }
    guard names.count == 2 else { return nil }
    if names[0].0 == names[1].0 {
      diagnostics.append(
        Diagnostic(.badData, at: names[1].1, "`\(place)` feeds `\(names[0].0)` twice")
          .label(names[0].1, "also here")
          .help("name two different model inputs"))
      return nil
    }
    return SyntheticInputs(
      sequence: names[0].0, sequenceSpan: names[0].1, shiftedLabels: names[1].0, shiftedLabelsSpan: names[1].1)
  }
}
