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
///   the target is the same sequence, reversed, or sorted ascending.
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
  /// The `synthetic:` value.
  public var span: SourceSpan

  static let keys = ["task", "samples", "length", "vocab", "size", "classes"]

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
    for (key, applies) in [("length", !images), ("size", images), ("classes", images)] where !applies {
      guard let span = reader.keySpan(key), task != nil else { continue }
      diagnostics.append(
        Diagnostic(.unknownKey, at: span, "`\(key)` does not apply to the `\(task!.rawValue)` task")
          .help(images ? "`shapes` images are `size` pixels square; remove `\(key)`" : "remove `\(key)`"))
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
    guard let task, let samples, let length else { return nil }
    return SyntheticData(
      task: task, samples: samples, length: length, vocab: vocab, classes: classes, span: reader.span)
  }
}
