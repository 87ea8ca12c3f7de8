import Foundation

/// The lines and checkpoint metadata of a training run that `netspec train`
/// and an emitted package's tool both write, besides the epoch lines
/// (``ProgressFormat/summary(_:epochs:note:)``).
public enum RunReport {
  /// `training lenet5: 61,706 parameters, 4000 training samples, 500 validation, 500 test`.
  public static func banner(name: String, parameters: Int, train: Int, validation: Int?, test: Int?) -> String {
    "training \(name): \(parameters.formatted()) parameters, \(train) training samples"
      + (validation.map { ", \($0) validation" } ?? "") + (test.map { ", \($0) test" } ?? "")
  }

  /// The line early stopping ends a run with.
  public static func stoppedEarly(epoch: Int, best: Int) -> String {
    "early stopping after epoch \(epoch): no improvement for \(epoch - best) epochs; best epoch \(best)"
  }

  /// `test: loss 0.0412 accuracy 98.61% (500 samples, weights of epoch 12)`.
  public static func test(_ metrics: MetricAccumulator, samples: Int, bestEpoch: Int) -> String {
    "test: \(metrics.summary) (\(samples) samples, weights of epoch \(bestEpoch))"
  }

  /// The metadata of a checkpoint of `spec` after `epoch`: `seed` is the
  /// `--seed` given, or `spec` when the spec's own seed was used.
  public static func checkpointMetadata(spec: String, epoch: Int, seed: Int?) -> [String: String] {
    ["netspec": "1", "spec": spec, "epoch": String(epoch), "seed": seed.map(String.init) ?? "spec"]
  }
}
