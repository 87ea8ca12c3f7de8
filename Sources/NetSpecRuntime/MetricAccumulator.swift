import Foundation

/// Running sums for the metrics of one pass over a dataset: mean loss, and
/// accuracy (class-index targets) or MSE and MAE (float targets).
public struct MetricAccumulator: Sendable {
  public private(set) var samples = 0
  private var lossSum: Double = 0
  private var correct = 0
  private var positions = 0
  private var squaredError: Double = 0
  private var absoluteError: Double = 0
  private var elements = 0

  public init() {}

  /// How predictions compare with targets.
  public enum TargetKind: Sendable, Equatable {
    /// Logits over `classes` on the last axis against class indices: accuracy.
    case classIndex(classes: Int)
    /// One logit per position against 0/1 targets: accuracy at logit 0.
    case binary
    /// Values against float targets: MSE and MAE.
    case regression
  }

  /// Adds one batch: its mean loss, and predictions against targets.
  public mutating func add(
    loss: Float, batch: Int, prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
    predictionCount: Int, kind: TargetKind
  ) {
    samples += batch
    lossSum += Double(loss) * Double(batch)
    switch kind {
    case .binary:
      for i in 0..<predictionCount where (prediction[i] > 0) == (target[i] > 0.5) { correct += 1 }
      positions += predictionCount
    case .classIndex(let classes):
      let rows = predictionCount / classes
      for r in 0..<rows {
        let row = prediction + r * classes
        var best = 0
        for c in 1..<classes where row[c] > row[best] { best = c }
        if best == Int(target[r]) { correct += 1 }
      }
      positions += rows
    case .regression:
      for i in 0..<predictionCount {
        let error = Double(prediction[i]) - Double(target[i])
        squaredError += error * error
        absoluteError += abs(error)
      }
      elements += predictionCount
    }
  }

  public var loss: Double { samples == 0 ? .nan : lossSum / Double(samples) }
  /// Fraction of positions whose arg-max class is the target; nil for float targets.
  public var accuracy: Double? { positions == 0 ? nil : Double(correct) / Double(positions) }
  public var mse: Double? { elements == 0 ? nil : squaredError / Double(elements) }
  public var mae: Double? { elements == 0 ? nil : absoluteError / Double(elements) }

  /// The metrics that apply, by name (`accuracy`, or `mse` and `mae`).
  public var named: [String: Double] {
    var result: [String: Double] = [:]
    if let accuracy { result["accuracy"] = accuracy }
    if let mse { result["mse"] = mse }
    if let mae { result["mae"] = mae }
    return result
  }

  /// `loss 0.0412 accuracy 98.61%` (or `mse 0.0123 mae 0.0871`), as
  /// `netspec eval` and the test line of a training run print it.
  public var summary: String {
    var parts = [String(format: "loss %.4f", loss)]
    if let accuracy { parts.append(String(format: "accuracy %.2f%%", accuracy * 100)) }
    if let mse { parts.append(String(format: "mse %.4f", mse)) }
    if let mae { parts.append(String(format: "mae %.4f", mae)) }
    return parts.joined(separator: " ")
  }
}
