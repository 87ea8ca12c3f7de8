import Testing

@testable import NetSpec

@Suite("Progress formatting")
struct ProgressFormatTests {
  @Test("durations as m:ss or h:mm:ss")
  func durations() {
    let cases: [(Double, String)] = [
      (0, "0:00"), (42, "0:42"), (59.6, "1:00"), (3599.4, "59:59"), (3600, "1:00:00"), (3723, "1:02:03"),
      (360_000, "100:00:00"), (-1, "-:--"), (.nan, "-:--"), (.infinity, "-:--"),
    ]
    for (seconds, text) in cases { #expect(ProgressFormat.duration(seconds) == text, "\(seconds)") }
  }

  @Test("rates grouped in thousands, one decimal below 100")
  func rates() {
    let cases: [(Double, String)] = [
      (5234.4, "5,234"), (1_234_567.8, "1,234,568"), (99.96, "100"), (99.94, "99.9"), (42.46, "42.5"), (0, "0.0"),
      (.nan, "-"), (.infinity, "-"),
    ]
    for (rate, text) in cases { #expect(ProgressFormat.rate(rate) == text, "\(rate)") }
  }

  @Test("percentages, numbers and learning rates")
  func numbers() {
    #expect(ProgressFormat.percent(0.9123) == "91.2%")
    #expect(ProgressFormat.percent(1) == "100.0%")
    #expect(ProgressFormat.percent(0) == "0.0%")
    #expect(ProgressFormat.percent(.nan) == "nan%")
    let cases: [(Double, String)] = [
      (0.31214, "0.3121"), (0, "0.0000"), (-2.5, "-2.5000"), (1.234e-5, "1.234e-05"), (12345.6, "1.235e+04"),
      (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
    ]
    for (value, text) in cases { #expect(ProgressFormat.number(value) == text, "\(value)") }
    #expect(ProgressFormat.learningRate(0.001) == "0.001")
    #expect(ProgressFormat.learningRate(0.000316227) == "0.000316")
    #expect(ProgressFormat.learningRate(1e-5) == "1e-05")
  }

  @Test("bars and counters")
  func bars() {
    #expect(ProgressFormat.bar(0.45, width: 20) == "[#########-----------]")
    #expect(ProgressFormat.bar(0, width: 4) == "[----]")
    #expect(ProgressFormat.bar(1, width: 4) == "[####]")
    #expect(ProgressFormat.bar(1.5, width: 4) == "[####]")
    #expect(ProgressFormat.bar(.nan, width: 4) == "[----]")
    #expect(ProgressFormat.counter(3, of: 15) == " 3/15")
    #expect(ProgressFormat.counter(120, of: 266) == "120/266")
    #expect(ProgressFormat.counter(7, of: 7) == "7/7")
  }
}

@Suite("Progress reporter")
struct ProgressReporterTests {
  /// A clock the test sets, and everything the reporter wrote.
  final class Harness {
    var now = 100.0
    var output: [String] = []

    func reporter(interactive: Bool, columns: Int? = nil) -> ProgressReporter {
      ProgressReporter(
        epochs: 15, interactive: interactive, columns: columns, clock: { self.now },
        write: { self.output.append($0) })
    }
  }

  static let liveLine =
    "epoch  3/15 [#########-----------]  45% step 120/266 loss 0.3121 acc 91.2% 5,000 samples/s eta 0:29"
  static let summary =
    "epoch  3/15 loss 0.3121 acc 91.2% mae 0.2000 val_loss 0.2894 val_acc 92.0% lr 0.001 5,234 samples/s 0:05 (best)"

  @Test("on a terminal: a live line redrawn in place, then a permanent summary")
  func terminal() {
    let harness = Harness()
    let reporter = harness.reporter(interactive: true)
    reporter.startEpoch(3, steps: 266)
    harness.now += 24
    reporter.update(step: 120, samples: 120_000, loss: 0.3121, metrics: ["accuracy": 0.912])
    reporter.endEpoch(MetricsLogTests.epoch3, note: "best")
    #expect(harness.output == ["\r" + Self.liveLine + "\u{1B}[K", "\r" + Self.summary + "\u{1B}[K\n"])
  }

  @Test("elsewhere: one plain line per epoch, no control characters")
  func plain() {
    let harness = Harness()
    let reporter = harness.reporter(interactive: false)
    reporter.startEpoch(3, steps: 266)
    harness.now += 24
    reporter.update(step: 120, samples: 120_000, loss: 0.3121)
    reporter.endEpoch(MetricsLogTests.epoch3, note: "best")
    reporter.finish()
    #expect(harness.output == [Self.summary + "\n"])
  }

  @Test("redrawn at most every 0.1 s")
  func throttled() {
    let harness = Harness()
    let reporter = harness.reporter(interactive: true)
    reporter.startEpoch(1, steps: 100)
    for (step, time) in [0.0, 0.05, 0.09, 0.12, 0.15, 0.25].enumerated() {
      harness.now = 100 + time
      reporter.update(step: step + 1, samples: (step + 1) * 32, loss: 1)
    }
    #expect(harness.output.count == 3)
    #expect(harness.output.map { $0.contains("step   1/100") } == [true, false, false])
    #expect(harness.output[1].contains("step   4/100"))
    #expect(harness.output[2].contains("step   6/100"))
  }

  @Test("no rate or eta before time has passed; first epoch, no metrics")
  func firstUpdate() {
    let harness = Harness()
    let reporter = harness.reporter(interactive: true)
    reporter.startEpoch(1, steps: 4)
    reporter.update(step: 0, samples: 0, loss: .nan)
    #expect(harness.output == ["\repoch  1/15 [--------------------]   0% step 0/4 loss nan\u{1B}[K"])
  }

  @Test("cut to the terminal's width")
  func narrowTerminal() {
    let harness = Harness()
    let reporter = harness.reporter(interactive: true, columns: 30)
    reporter.startEpoch(3, steps: 266)
    harness.now += 24
    reporter.update(step: 120, samples: 120_000, loss: 0.3121)
    #expect(harness.output == ["\r" + String(Self.liveLine.prefix(29)) + "\u{1B}[K"])
  }

  @Test("finish erases a live line left by an interrupted epoch, and only then")
  func finish() {
    let harness = Harness()
    let reporter = harness.reporter(interactive: true)
    reporter.finish()
    #expect(harness.output.isEmpty)
    reporter.startEpoch(1, steps: 10)
    reporter.update(step: 1, samples: 8, loss: 2)
    reporter.finish()
    #expect(harness.output.last == "\r\u{1B}[K")
    reporter.finish()
    #expect(harness.output.count == 2)
  }

  @Test("a summary without validation, with mse")
  func summaryWithoutValidation() {
    let record = EpochMetrics(
      epoch: 12, step: 1200, trainLoss: 0.00042, train: ["mse": 0.00042], learningRate: 3e-4, seconds: 3725,
      samplesPerSecond: 12.34)
    #expect(
      ProgressFormat.summary(record, epochs: 100, note: nil)
        == "epoch  12/100 loss 4.200e-04 mse 4.200e-04 lr 0.0003 12.3 samples/s 1:02:05")
  }
}
