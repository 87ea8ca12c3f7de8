extension TrainingCheckpoint {
  /// The file's `__metadata__`, every value a string as the format wants:
  /// `format` (`netspec-checkpoint-1`), `spec`, `spec_path`, `spec_text`,
  /// `set` (the overrides, one per line), `seed` (the `--seed` given, or
  /// `spec`), `data` (the ``DataFingerprint``), `expect` (`checked`, or
  /// `skipped` for a run started with `--no-expect`; older checkpoints lack
  /// it and were checked), `epochs`, `epoch`, `step`, `optimizer_steps`,
  /// `forward_passes`, `since_best`, `stopped_early` (`true`/`false`), and
  /// when early stopping has a best epoch `best_epoch`, `best_value` (a
  /// decimal that reads back to the same double) and `best_weights`
  /// (`true` when the `best.` tensors hold them).
  var metadata: [String: String] {
    var fields = [
      "format": Fields.format, "spec": name, "spec_path": origin.specPath, "spec_text": origin.specText,
      "set": origin.overrides.joined(separator: "\n"), "seed": origin.seed.map(String.init) ?? "spec",
      "data": origin.data, "expect": origin.checksExpectations ? "checked" : "skipped",
      "epochs": String(epochs), "epoch": String(progress.epoch), "step": String(progress.step),
      "optimizer_steps": String(optimizerSteps), "forward_passes": String(forwardPasses),
      "since_best": String(progress.sinceBest), "stopped_early": String(progress.stoppedEarly),
    ]
    if let best = progress.best {
      fields["best_epoch"] = String(best.epoch)
      fields["best_value"] = String(best.value)
      fields["best_weights"] = String(!best.weights.isEmpty)
    }
    return fields
  }

  /// The metadata read back and checked.
  struct Fields {
    static let format = "netspec-checkpoint-1"

    var origin: Origin
    var name: String
    var epochs: Int
    var forwardPasses: UInt64
    var optimizerSteps: Int
    /// The progress, best weights still empty.
    var progress: TrainingProgress
    var keepsBestWeights: Bool

    /// A key missing or malformed.
    struct Missing: Error {
      var reason: String
    }

    init(_ metadata: [String: String]) throws(Missing) {
      func text(_ key: String) throws(Missing) -> String {
        guard let value = metadata[key] else {
          throw Missing(reason: "lacks `\(key)`: this is not a checkpoint `netspec train` wrote")
        }
        return value
      }
      func number<T: LosslessStringConvertible>(_ key: String, _: T.Type) throws(Missing) -> T {
        guard let value = T(try text(key)) else { throw Missing(reason: "holds a malformed `\(key)`") }
        return value
      }
      guard try text("format") == Self.format else {
        throw Missing(reason: "has format `\(metadata["format"]!)`; this netspec reads `\(Self.format)`")
      }
      let seed = try text("seed")
      let overrides = try text("set")
      origin = Origin(
        specPath: try text("spec_path"), specText: try text("spec_text"),
        overrides: overrides.isEmpty ? [] : overrides.split(separator: "\n").map(String.init),
        seed: seed == "spec" ? nil : try number("seed", Int.self), data: try text("data"),
        checksExpectations: metadata["expect"] != "skipped")
      name = try text("spec")
      epochs = try number("epochs", Int.self)
      forwardPasses = try number("forward_passes", UInt64.self)
      optimizerSteps = try number("optimizer_steps", Int.self)
      progress = TrainingProgress(
        epoch: try number("epoch", Int.self), step: try number("step", Int.self),
        sinceBest: try number("since_best", Int.self), stoppedEarly: try number("stopped_early", Bool.self))
      keepsBestWeights = false
      if metadata["best_epoch"] != nil {
        progress.best = BestEpoch(
          epoch: try number("best_epoch", Int.self), value: try number("best_value", Double.self), weights: [])
        keepsBestWeights = try number("best_weights", Bool.self)
      }
      guard epochs >= 1, progress.epoch >= 0, progress.epoch <= epochs, progress.step >= 0, optimizerSteps >= 0 else {
        throw Missing(reason: "holds an impossible progress (epoch \(progress.epoch) of \(epochs))")
      }
    }
  }
}
