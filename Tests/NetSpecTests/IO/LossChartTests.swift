import Foundation
import Testing

@testable import NetSpec
@testable import NetSpecRuntime

@Suite("Loss chart")
struct LossChartTests {
  /// `count` epochs of a classifier learning, with validation.
  static func history(_ count: Int, validation: Bool = true) -> [EpochMetrics] {
    (1...count).map { epoch in
      let e = Double(epoch)
      return EpochMetrics(
        epoch: epoch, step: epoch * 10, trainLoss: 1 / e, train: ["accuracy": 1 - 0.5 / e],
        validationLoss: validation ? 1.1 / e + 0.01 * e : nil,
        validation: validation ? ["accuracy": 0.9 - 0.4 / e] : [:],
        learningRate: 0.001, seconds: 1, samplesPerSecond: 100)
    }
  }

  @Test("valid XML with both panels, four curves, legends and the best-epoch marker")
  func fullChart() throws {
    let svg = LossChart(title: "lenet5", records: Self.history(15), bestEpoch: 10).svg()
    let document = try XMLSummary(svg)
    #expect(document.root == "svg")
    #expect(document.count("polyline") == 4)
    #expect(document.polylinePointCounts == [15, 15, 15, 15])
    #expect(document.texts.first == "lenet5")
    #expect(document.texts.contains("loss") && document.texts.contains("accuracy"))
    #expect(document.texts.filter { $0 == "train" }.count == 2)
    #expect(document.texts.filter { $0 == "validation" }.count == 2)
    #expect(document.texts.contains("best epoch 10"))
    #expect(document.texts.contains("100%") || document.texts.contains("90%"))
    #expect(document.texts.filter { $0 == "epoch" }.count == 2)
    #expect(svg.contains(#"stroke="\#(ChartPanel.bestColor)""#))
    #expect(svg == LossChart(title: "lenet5", records: Self.history(15), bestEpoch: 10).svg())
  }

  @Test("titles are escaped: markup and control characters")
  func escaping() throws {
    let title = "a<b & \"c\" 'd' \u{1}"
    let document = try XMLSummary(LossChart(title: title, records: Self.history(3)).svg())
    #expect(document.texts.first == "a<b & \"c\" 'd' \u{FFFD}")
    #expect(document.title == "a<b & \"c\" 'd' \u{FFFD} training")
  }

  @Test("one epoch: points instead of lines, a tick at 1")
  func oneEpoch() throws {
    let document = try XMLSummary(LossChart(title: "x", records: Self.history(1)).svg())
    #expect(document.count("polyline") == 0)
    #expect(document.count("circle") == 4)
    #expect(document.texts.filter { $0 == "1" }.count == 2)
  }

  @Test("constant curves, no metrics, no validation: one panel with a range around the value")
  func constant() throws {
    let records = (1...5).map {
      EpochMetrics(epoch: $0, step: $0, trainLoss: 0.5, learningRate: 0.1, seconds: 1, samplesPerSecond: 1)
    }
    let svg = LossChart(title: "flat", records: records).svg()
    let document = try XMLSummary(svg)
    #expect(document.count("polyline") == 1)
    #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
    #expect(document.texts.contains("0.45") && document.texts.contains("0.50") && document.texts.contains("0.55"))
    #expect(!document.texts.contains("validation"))
    #expect(svg.contains(#"height="\#(LossChart.Layout.top + LossChart.Layout.panelHeight)""#))
  }

  @Test("non-finite values leave gaps; mse is the metric when there is no accuracy")
  func gapsAndMSE() throws {
    var records = Self.history(6, validation: false).map {
      var record = $0
      record.train = ["mse": record.trainLoss, "mae": 0.1]
      return record
    }
    records[2].trainLoss = .nan
    records[3].trainLoss = .infinity
    let svg = LossChart(title: "diverged", records: records, bestEpoch: 2).svg()
    let document = try XMLSummary(svg)
    #expect(document.polylinePointCounts == [2, 2, 6])
    #expect(document.texts.contains("mse"))
    #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
  }

  @Test("no records at all still draws axes")
  func empty() throws {
    let document = try XMLSummary(LossChart(title: "empty", records: []).svg())
    #expect(document.count("polyline") == 0)
    #expect(document.texts.contains("loss"))
  }

  @Test("a training chart redraws after every epoch and marks the best epoch at the end")
  func trainingChart() throws {
    var written: [String] = []
    let chart = TrainingChart(title: "t") { written.append($0) }
    let records = Self.history(3)
    for record in records { try chart.record(record) }
    try chart.finish(bestEpoch: 2)
    #expect(written.count == 4)
    #expect(written[0] == LossChart(title: "t", records: Array(records.prefix(1))).svg())
    #expect(written[2] == LossChart(title: "t", records: records).svg())
    #expect(written[3] == LossChart(title: "t", records: records, bestEpoch: 2).svg())
  }
}

@Suite("Chart scales")
struct ChartScaleTests {
  @Test("nice ticks around data, constants and nothing")
  func niceTicks() {
    let accuracy = ChartScale(covering: [0.183, 0.912, .nan])
    #expect(accuracy.ticks.map(accuracy.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let constant = ChartScale(covering: [0.5, 0.5])
    #expect(constant.ticks.map(constant.label) == ["0.45", "0.50", "0.55"])
    let zero = ChartScale(covering: [0])
    #expect(zero.ticks.map(zero.label) == ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
    let none = ChartScale(covering: [])
    #expect(none.ticks.map(none.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    let loss = ChartScale(covering: [2.31, 0.07])
    #expect(loss.ticks.map(loss.label) == ["0", "1", "2", "3"])
    let big = ChartScale(covering: [1234, 98765])
    #expect(big.ticks.map(big.label) == ["0", "20000", "40000", "60000", "80000", "100000"])
    let straddling = ChartScale(covering: [-0.3, 0.7])
    #expect(straddling.ticks.map(straddling.label) == ["-0.4", "-0.2", "0.0", "0.2", "0.4", "0.6", "0.8"])
    #expect(ChartScale(covering: [1e308, -1e308, 5]).ticks.allSatisfy { $0.isFinite })
  }

  @Test("epoch ticks: the first epoch and multiples of a whole step")
  func epochTicks() {
    #expect(EpochScale(epochs: Array(1...15)).ticks == [1, 2, 4, 6, 8, 10, 12, 14])
    #expect(EpochScale(epochs: Array(1...100)).ticks == [1, 20, 40, 60, 80, 100])
    #expect(EpochScale(epochs: [1, 2]).ticks == [1, 2])
    let single = EpochScale(epochs: [1])
    #expect(single.ticks == [1])
    #expect(single.position(1, from: 0, to: 100) == 50)
  }
}
