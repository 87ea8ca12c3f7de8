import NetSpecDiagnostics
import NetSpecRuntime
import NetSpecYAML

/// `train.schedule`: how the learning rate changes over the epochs, after an
/// optional linear warmup.
///
/// With base rate `lr`, `w` warmup epochs and `t` epochs counted from the end of
/// the warmup (of `T = epochs - w`):
/// - warmup: the rate rises linearly from `lr / w` in the first epoch to `lr`;
/// - `constant`: `lr`;
/// - `step`: `lr * gamma^floor(t / every)`;
/// - `cosine`: `min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2`.
///
/// ```yaml
/// schedule: cosine
/// schedule: {step: {every: 10, gamma: 0.5, warmup_epochs: 2}}
/// ```
public struct LRSchedule: Sendable, Hashable {
  /// The schedule after the warmup.
  public typealias Kind = LearningRateSchedule.Kind

  public var kind: Kind
  /// Epochs of linear warmup before `kind` starts; 0 for none.
  public var warmupEpochs: Int
  /// The `schedule:` value, or the `train:` section when defaulted.
  public var span: SourceSpan

  /// The schedule as the training runtime computes it.
  public var runtime: LearningRateSchedule { LearningRateSchedule(kind: kind, warmupEpochs: warmupEpochs) }

  static let names = ["constant", "step", "cosine"]

  /// Decodes a schedule for a run of `epochs` epochs at base rate
  /// `learningRate` (each nil when its own value was invalid, which skips the
  /// checks against it).
  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, epochs: Int?, learningRate: Double?,
    _ diagnostics: inout DiagnosticBag
  ) -> LRSchedule? {
    guard
      let tagged = TaggedNode.read(
        node, what: "schedule", example: "schedule: {step: {every: 10, gamma: 0.5}}", &diagnostics),
      tagged.checkName(names, what: "schedule", &diagnostics)
    else { return nil }
    let (keys, primary): ([String], String?) =
      switch tagged.name {
      case "step": (["every", "gamma", "warmup_epochs"], "every")
      case "cosine": (["min_lr", "warmup_epochs"], "min_lr")
      default: (["warmup_epochs"], nil)
      }
    guard
      let reader = tagged.settings(
        section: "train.schedule.\(tagged.name)", keys: keys, primary: primary, resolver: resolver,
        &diagnostics)
    else { return nil }

    let warmup = reader.int("warmup_epochs", in: 0...Dim.limit, &diagnostics) ?? 0
    if let epochs, warmup >= epochs, let value = reader.node("warmup_epochs") {
      diagnostics.append(
        Diagnostic(
          .valueOutOfRange, at: value.span,
          "the warmup lasts \(warmup) epochs, but training lasts only \(epochs)"
        ).help("use fewer warmup epochs than `epochs`, or train longer"))
    }

    let kind: Kind
    switch tagged.name {
    case "step":
      guard reader.node("every") != nil else {
        reader.requireKey(
          "every", allowed: keys,
          help: "say after how many epochs the rate decays, e.g. `{step: {every: 10, gamma: 0.5}}`",
          &diagnostics)
        return nil
      }
      guard let every = reader.int("every", in: 1...Dim.limit, &diagnostics) else { return nil }
      kind = .step(every: every, gamma: reader.number("gamma", .probability, &diagnostics) ?? 0.1)
    case "cosine":
      let minLR = reader.number("min_lr", .nonNegative, &diagnostics) ?? 0
      if let learningRate, minLR >= learningRate, let value = reader.node("min_lr") {
        diagnostics.append(
          Diagnostic(
            .valueOutOfRange, at: value.span,
            "`min_lr` is \(formatNumber(minLR)), not below the learning rate \(formatNumber(learningRate))"
          ).help("cosine annealing decays the rate from `lr` down to `min_lr`; use a `min_lr` below `lr`"))
      }
      kind = .cosine(minLR: minLR)
    default:
      kind = .constant
    }
    return LRSchedule(kind: kind, warmupEpochs: warmup, span: tagged.span)
  }
}
