import NetSpecDiagnostics
import NetSpecYAML

/// `synthetic: {task: ..., samples: ..., length: ...}`: sequence tasks generated
/// from `train.seed`, for testing recurrent and attention models without files.
///
/// - `adding`: inputs `[length, 2]`: a random value in [0, 1) and a marker (1 at
///   exactly two positions, else 0); the float32 target is the sum of the two
///   marked values.
/// - `copy`, `reverse`, `sort`: inputs are `length` int32 tokens in `0..<vocab`;
///   the target is the same sequence, reversed, or sorted ascending.
public struct SyntheticData: Sendable, Hashable {
  public enum Task: String, Sendable, CaseIterable {
    case adding, copy, reverse, sort
  }

  public var task: Task
  /// Number of sequences generated.
  public var samples: Int
  /// Length of each sequence.
  public var length: Int
  /// Number of distinct tokens (>= 2, 10 unless given); nil for `adding`.
  public var vocab: Int?
  /// The `synthetic:` value.
  public var span: SourceSpan

  static let keys = ["task", "samples", "length", "vocab"]

  /// The most values (`samples * length`) a task may generate.
  static let maxValues = 100_000_000

  static func decode(
    _ node: YAMLNode, section: String, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> SyntheticData? {
    guard let reader = MappingReader(node, section: section, keys: keys, resolver: resolver, &diagnostics)
    else { return nil }
    for key in ["task", "samples", "length"] {
      reader.requireKey(
        key, allowed: keys, help: "for example `synthetic: {task: copy, samples: 1000, length: 10}`", &diagnostics)
    }
    let task = reader.choice("task", Task.allCases.map(\.rawValue), &diagnostics).flatMap(Task.init(rawValue:))
    let samples = reader.int("samples", in: 1...maxValues, &diagnostics)
    let length = reader.int("length", in: 1...maxValues, &diagnostics)
    if let samples, let length, samples * length > maxValues, let value = reader.node("samples") {
      diagnostics.append(
        Diagnostic(
          .valueOutOfRange, at: value.span,
          "\(samples) samples of length \(length) are more than \(maxValues) values"
        ).help("generate fewer or shorter sequences"))
    }
    if task == .adding, let length, length < 2, let value = reader.node("length") {
      diagnostics.append(
        Diagnostic(.valueOutOfRange, at: value.span, "the adding task marks two positions, but `length` is \(length)")
          .help("use a `length` of at least 2"))
    }
    var vocab: Int?
    if task != .adding {
      vocab = reader.int("vocab", in: 2...1_000_000, &diagnostics) ?? 10
    } else if let key = reader.keySpan("vocab") {
      diagnostics.append(
        Diagnostic(.unknownKey, at: key, "`vocab` does not apply to the `adding` task")
          .help("adding sequences hold numbers, not tokens; remove `vocab`"))
    }
    guard let task, let samples, let length else { return nil }
    return SyntheticData(task: task, samples: samples, length: length, vocab: vocab, span: reader.span)
  }
}
