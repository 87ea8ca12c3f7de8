import Foundation

/// The detail `netspec eval` prints under a split's loss line: for
/// classifiers the confusion matrix and per-class precision, recall, F1 and
/// support; for regression MAE, RMSE and R².
///
/// ```swift
/// print(EvaluationReport(metrics: trainer.evaluate(test), classNames: ["cat", "dog"]).text)
/// ```
public struct EvaluationReport: Sendable {
  public var metrics: MetricAccumulator
  /// Names of the classes in index order; numbers when nil or of the wrong count.
  public var classNames: [String]?

  public init(metrics: MetricAccumulator, classNames: [String]? = nil) {
    self.metrics = metrics
    self.classNames = classNames
  }

  /// The class labels: the names when there is one per class, else `0`, `1`, ...
  public var labels: [String] {
    let classes = metrics.confusion?.classes ?? 0
    if let classNames, classNames.count == classes { return classNames }
    return (0..<classes).map(String.init)
  }

  /// The report, lines ending in newlines; empty when there is nothing beyond the summary.
  public var text: String {
    if let matrix = metrics.confusion { return classification(matrix) }
    var parts: [String] = []
    if let mae = metrics.mae { parts.append("mae " + Self.number(mae)) }
    if let rmse = metrics.rmse { parts.append("rmse " + Self.number(rmse)) }
    if let r2 = metrics.r2 { parts.append("r2 " + Self.number(r2)) }
    return parts.isEmpty ? "" : "  " + parts.joined(separator: " ") + "\n"
  }

  private func classification(_ matrix: ConfusionMatrix) -> String {
    let labels = labels
    let labelWidth = max(labels.map(\.count).max() ?? 0, "class".count, "macro avg".count)
    let countWidth = max(String(matrix.total).count, labels.map(\.count).max() ?? 0) + 2
    func left(_ text: String) -> String { text.padding(toLength: labelWidth, withPad: " ", startingAt: 0) }
    func right(_ text: String, _ width: Int) -> String {
      String(repeating: " ", count: max(0, width - text.count)) + text
    }
    var out = "  confusion matrix (rows: true class, columns: predicted class)\n"
    out += "  " + left("") + labels.map { right($0, countWidth) }.joined() + "\n"
    for actual in 0..<matrix.classes {
      let cells = (0..<matrix.classes).map { right(String(matrix.count(actual: actual, predicted: $0)), countWidth) }
      out += "  " + left(labels[actual]) + cells.joined() + "\n"
    }
    out += "\n  " + left("class") + ["precision", "recall", "f1", "support"].map { right($0, 11) }.joined() + "\n"
    for label in 0..<matrix.classes {
      let scores = [matrix.precision(of: label), matrix.recall(of: label), matrix.f1(of: label)]
        .map { right($0.map(Self.number) ?? "-", 11) }
      out += "  " + left(labels[label]) + scores.joined() + right(String(matrix.support(of: label)), 11) + "\n"
    }
    func mean(_ score: (Int) -> Double?) -> String {
      let values = (0..<matrix.classes).compactMap(score)
      return values.isEmpty ? "-" : Self.number(values.reduce(0, +) / Double(values.count))
    }
    let macro = [mean(matrix.precision(of:)), mean(matrix.recall(of:)), mean(matrix.f1(of:))]
    out += "  " + left("macro avg") + macro.map { right($0, 11) }.joined() + right(String(matrix.total), 11) + "\n"
    return out
  }

  /// Four decimals: `0.9712`.
  static func number(_ value: Double) -> String { String(format: "%.4f", value) }
}
