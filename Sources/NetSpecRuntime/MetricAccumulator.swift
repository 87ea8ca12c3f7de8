import Foundation

/// Running sums for the metrics of one pass over a dataset: mean loss, and
/// accuracy and a confusion matrix (class-index and binary targets) or MSE,
/// MAE and R² (float targets).
public struct MetricAccumulator: Sendable {
  public private(set) var samples = 0
  private var lossSum: Double = 0
  private var correct = 0
  private var positions = 0
  private var squaredError: Double = 0
  private var absoluteError: Double = 0
  private var elements = 0
  private var termSums: [String: Double] = [:]
  private var targetSum: Double = 0
  private var targetSquaredSum: Double = 0
  /// True class against predicted class for every position scored (the two
  /// classes 0 and 1 for binary targets); nil for float targets.
  public private(set) var confusion: ConfusionMatrix?

  public init() {}

  /// How predictions compare with targets.
  public enum TargetKind: Sendable, Equatable {
    /// Logits over `classes` against class indices: accuracy. The classes
    /// are on the last axis when `inner` is 1, else on an axis followed by
    /// `inner` positions (`[N, C, H, W]`: `inner` = H·W).
    case classIndex(classes: Int, inner: Int = 1)
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
      var matrix = confusion ?? ConfusionMatrix(classes: 2)
      for i in 0..<predictionCount {
        let predicted = prediction[i] > 0
        let actual = target[i] > 0.5
        if predicted == actual { correct += 1 }
        matrix.add(actual: actual ? 1 : 0, predicted: predicted ? 1 : 0)
      }
      confusion = matrix
      positions += predictionCount
    case .classIndex(let classes, let inner):
      var matrix = confusion ?? ConfusionMatrix(classes: classes)
      let rows = predictionCount / (classes * inner)
      for r in 0..<rows {
        for i in 0..<inner {
          let row = prediction + r * classes * inner + i
          var best = 0
          for c in 1..<classes where row[c * inner] > row[best * inner] { best = c }
          let actual = Int(target[r * inner + i])
          guard actual >= 0 && actual < classes else { continue }
          if best == actual { correct += 1 }
          matrix.add(actual: actual, predicted: best)
          positions += 1
        }
      }
      confusion = matrix
    case .regression:
      for i in 0..<predictionCount {
        let error = Double(prediction[i]) - Double(target[i])
        squaredError += error * error
        absoluteError += abs(error)
        targetSum += Double(target[i])
        targetSquaredSum += Double(target[i]) * Double(target[i])
      }
      elements += predictionCount
    }
  }

  /// Adds one batch's values of the loss terms, by name (a loss of several terms).
  public mutating func addTerms(_ names: [String], _ values: [Float], batch: Int) {
    for (name, value) in zip(names, values) { termSums[name, default: 0] += Double(value) * Double(batch) }
  }

  public var loss: Double { samples == 0 ? .nan : lossSum / Double(samples) }
  /// The mean of each loss term over the samples, keyed `loss_<term>`.
  public var terms: [String: Double] {
    samples == 0 ? [:] : termSums.reduce(into: [:]) { $0["loss_\($1.key)"] = $1.value / Double(samples) }
  }
  /// Fraction of positions whose arg-max class is the target; nil for float targets.
  public var accuracy: Double? { positions == 0 ? nil : Double(correct) / Double(positions) }
  public var mse: Double? { elements == 0 ? nil : squaredError / Double(elements) }
  public var mae: Double? { elements == 0 ? nil : absoluteError / Double(elements) }
  public var rmse: Double? { mse.map { $0.squareRoot() } }
  /// The coefficient of determination, 1 - SSE/SST over all target values;
  /// nil for class targets or when the targets do not vary.
  public var r2: Double? {
    guard elements > 0 else { return nil }
    let mean = targetSum / Double(elements)
    let total = targetSquaredSum - Double(elements) * mean * mean
    return total > 0 ? 1 - squaredError / total : nil
  }

  /// The metrics that apply, by name (`accuracy`, or `mse` and `mae`, and
  /// `loss_<term>` for each term of a loss of several).
  public var named: [String: Double] {
    var result = terms
    if let accuracy { result["accuracy"] = accuracy }
    if let mse { result["mse"] = mse }
    if let mae { result["mae"] = mae }
    return result
  }

  /// `loss 0.0412 accuracy 98.61%` (or `mse 0.0123 mae 0.0871`), as
  /// `netspec eval` and the test line of a training run print it; a loss of
  /// several terms adds each term's mean by name (`loss_kl 24.1234`), in
  /// the order of the names.
  public var summary: String {
    var parts = [String(format: "loss %.4f", loss)]
    parts += terms.sorted { $0.key < $1.key }.map { "\($0.key) " + String(format: "%.4f", $0.value) }
    if let accuracy { parts.append(String(format: "accuracy %.2f%%", accuracy * 100)) }
    if let mse { parts.append(String(format: "mse %.4f", mse)) }
    if let mae { parts.append(String(format: "mae %.4f", mae)) }
    return parts.joined(separator: " ")
  }
}
