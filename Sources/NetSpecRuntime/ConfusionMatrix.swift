import Foundation

/// Counts of (true class, predicted class) pairs over a dataset, with the
/// per-class precision, recall and F1 they give.
///
/// ```swift
/// var matrix = ConfusionMatrix(classes: 3)
/// matrix.add(actual: 2, predicted: 1)
/// matrix.recall(of: 2)  // 0.0
/// ```
public struct ConfusionMatrix: Sendable, Equatable {
  /// The number of classes.
  public let classes: Int
  /// `counts[actual * classes + predicted]`.
  public private(set) var counts: [Int]

  /// An empty matrix of `classes` classes.
  public init(classes: Int) {
    self.classes = classes
    counts = Array(repeating: 0, count: classes * classes)
  }

  /// Counts one prediction; a target outside the classes is not counted.
  public mutating func add(actual: Int, predicted: Int) {
    guard (0..<classes).contains(actual), (0..<classes).contains(predicted) else { return }
    counts[actual * classes + predicted] += 1
  }

  /// The count of samples of class `actual` predicted as `predicted`.
  public func count(actual: Int, predicted: Int) -> Int { counts[actual * classes + predicted] }

  /// Samples whose true class is `label` (the class's support).
  public func support(of label: Int) -> Int { (0..<classes).reduce(0) { $0 + count(actual: label, predicted: $1) } }

  /// Samples predicted as `label`.
  public func predictions(of label: Int) -> Int { (0..<classes).reduce(0) { $0 + count(actual: $1, predicted: label) } }

  /// All counted samples.
  public var total: Int { counts.reduce(0, +) }

  /// Of the samples predicted as `label`, the fraction that are; nil when none is.
  public func precision(of label: Int) -> Double? {
    let predicted = predictions(of: label)
    return predicted == 0 ? nil : Double(count(actual: label, predicted: label)) / Double(predicted)
  }

  /// Of the samples of class `label`, the fraction predicted as it; nil when there are none.
  public func recall(of label: Int) -> Double? {
    let support = support(of: label)
    return support == 0 ? nil : Double(count(actual: label, predicted: label)) / Double(support)
  }

  /// Of the positions that are of class `label` or predicted as it, the
  /// fraction that are both: TP / (TP + FP + FN); nil when there are none.
  public func intersectionOverUnion(of label: Int) -> Double? {
    let hits = count(actual: label, predicted: label)
    let union = support(of: label) + predictions(of: label) - hits
    return union == 0 ? nil : Double(hits) / Double(union)
  }

  /// The harmonic mean of precision and recall; 0 when both are 0, nil when either is undefined.
  public func f1(of label: Int) -> Double? {
    guard let precision = precision(of: label), let recall = recall(of: label) else { return nil }
    return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
  }
}
