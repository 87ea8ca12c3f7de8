import Foundation
import Testing

@testable import NetSpec

@Suite("Evaluation report")
struct EvaluationReportTests {
  /// 3 classes; true 0 predicted 0 twice and 1 once, true 1 predicted 1, true 2 predicted 1.
  static var matrix: ConfusionMatrix {
    var matrix = ConfusionMatrix(classes: 3)
    for (actual, predicted) in [(0, 0), (0, 0), (0, 1), (1, 1), (2, 1)] {
      matrix.add(actual: actual, predicted: predicted)
    }
    matrix.add(actual: 7, predicted: 0)  // out of range: not counted
    return matrix
  }

  @Test func precisionRecallAndF1() throws {
    let m = Self.matrix
    #expect(m.total == 5)
    #expect(m.precision(of: 0) == 1)
    #expect(m.recall(of: 0) == 2.0 / 3)
    #expect(try #require(m.f1(of: 0)) == 0.8)
    #expect(m.precision(of: 1) == 1.0 / 3)
    #expect(m.recall(of: 1) == 1)
    #expect(m.precision(of: 2) == nil)  // never predicted
    #expect(m.recall(of: 2) == 0)
    #expect(m.f1(of: 2) == nil)
  }

  @Test func accumulatorFillsTheMatrixFromLogits() {
    var metrics = MetricAccumulator()
    let logits: [Float] = [3, 0, 0, /**/ 0, 2, 1, /**/ 0, 5, 0]
    let targets: [Float] = [0, 2, 1]
    metrics.add(
      loss: 1, batch: 3, prediction: logits, target: targets, predictionCount: 9, kind: .classIndex(classes: 3))
    let matrix = metrics.confusion
    #expect(matrix?.count(actual: 0, predicted: 0) == 1)
    #expect(matrix?.count(actual: 2, predicted: 1) == 1)
    #expect(matrix?.count(actual: 1, predicted: 1) == 1)
    #expect(metrics.r2 == nil)
  }

  @Test func regressionGetsMAERMSEAndR2() throws {
    var metrics = MetricAccumulator()
    let predictions: [Float] = [1, 2, 3, 5]
    let targets: [Float] = [1, 2, 3, 4]
    metrics.add(loss: 0, batch: 4, prediction: predictions, target: targets, predictionCount: 4, kind: .regression)
    #expect(metrics.confusion == nil)
    #expect(metrics.mae == 0.25)
    #expect(metrics.rmse == 0.5)
    // SSE 1, SST 5 (targets mean 2.5): R² = 0.8.
    #expect(abs(try #require(metrics.r2) - 0.8) < 1e-12)
    let text = EvaluationReport(metrics: metrics).text
    #expect(text.contains("mae 0.2500 rmse 0.5000 r2 0.8000"))
  }

  @Test func textNamesTheClasses() {
    var metrics = MetricAccumulator()
    metrics.add(
      loss: 1, batch: 2, prediction: [2, 0, 0, 2], target: [0, 1], predictionCount: 4, kind: .classIndex(classes: 2))
    let named = EvaluationReport(metrics: metrics, classNames: ["cat", "dog"]).text
    #expect(named.contains("confusion matrix"))
    #expect(named.contains("  cat  "))
    #expect(named.contains("macro avg"))
    #expect(named.contains("1.0000"))
    // A list of the wrong length falls back to indices.
    #expect(EvaluationReport(metrics: metrics, classNames: ["cat"]).labels == ["0", "1"])
  }

  @Test func chartDrawsEveryCellWithItsCount() {
    let svg = ConfusionMatrixChart(title: "t <1>", matrix: Self.matrix, labels: ["a", "b", "c&d"]).svg()
    #expect(svg.components(separatedBy: "<rect x=").count - 1 == 9)
    #expect(svg.contains(">2</text>"))
    #expect(svg.contains("c&amp;d"))
    #expect(svg.contains("t &lt;1&gt;"))
    // The diagonal cell of class 1 (recall 1) is the darkest shade.
    #expect(svg.contains(ConfusionMatrixChart.shade(1)))
    #expect(ConfusionMatrixChart.shade(0) == "#ffffff")
  }

  @Test func manyClassesDropCountsButKeepCells() {
    let svg = ConfusionMatrixChart(
      title: "big", matrix: ConfusionMatrix(classes: 100), labels: (0..<100).map(String.init)
    ).svg()
    #expect(svg.components(separatedBy: "<rect x=").count - 1 == 10_000)
    #expect(!svg.contains(">0</text>"))
  }
}
