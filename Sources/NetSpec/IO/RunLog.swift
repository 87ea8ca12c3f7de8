import Foundation

/// What a run records in its directory after every epoch, so an interrupted
/// or stopped run still has all of it: a line in `metrics.jsonl` (see
/// ``MetricsLog``), a row in `metrics.csv` (a header row, then one row per
/// epoch, for spreadsheets, pandas and plotting tools) and `curves.svg`,
/// redrawn and replaced atomically.
///
/// ```swift
/// let log = try RunLog(directory: "runs/lenet5", title: "lenet5")
/// try log.record(epoch)                    // after each epoch
/// try log.finish(bestEpoch: result.bestEpoch)
/// ```
public final class RunLog {
  /// The run's directory.
  public let directory: String
  /// The chart's title.
  public var title: String { chart.title }
  /// Every epoch recorded so far.
  public var history: [EpochMetrics] { chart.history }
  private let jsonLines: MetricsLogWriter
  private let csv: MetricsLogWriter
  private let chart: TrainingChart

  /// Creates (or empties) the logs in `directory`, which must exist.
  public init(directory: String, title: String) throws(FileError) {
    self.directory = directory
    jsonLines = try MetricsLogWriter(path: directory + "/metrics.jsonl")
    csv = try MetricsLogWriter(path: directory + "/metrics.csv", format: .csv)
    chart = Self.chart(title: title, in: directory)
  }

  /// Continues the logs of the run in `directory` after `epoch`, the epoch
  /// of its checkpoint: `metrics.jsonl` is read back, its lines after
  /// `epoch` (epochs a killed run finished after its last checkpoint, which
  /// the resumed run trains again) are dropped, and both logs are rewritten
  /// with the rest, atomically; the chart is redrawn.
  public init(directory: String, title: String, continuingAfter epoch: Int) throws {
    self.directory = directory
    let path = directory + "/metrics.jsonl"
    let kept =
      FileManager.default.fileExists(atPath: path)
      ? try MetricsLog.read(contentsOf: path).filter { $0.epoch <= epoch } : []
    jsonLines = try MetricsLogWriter(path: path, format: .jsonLines, continuing: kept)
    csv = try MetricsLogWriter(path: directory + "/metrics.csv", format: .csv, continuing: kept)
    chart = Self.chart(title: title, history: kept, in: directory)
    try chart.redraw()
  }

  /// Appends `epoch` to both logs and redraws the chart.
  public func record(_ epoch: EpochMetrics) throws {
    try jsonLines.append(epoch)
    try csv.append(epoch)
    try chart.record(epoch)
  }

  /// Redraws the chart with `bestEpoch` (whose weights the run kept) marked.
  public func finish(bestEpoch: Int?) throws {
    try chart.finish(bestEpoch: bestEpoch)
  }

  /// The run's `curves.svg`, replaced atomically (``AtomicFile``) at every redraw.
  private static func chart(title: String, history: [EpochMetrics] = [], in directory: String) -> TrainingChart {
    TrainingChart(title: title, history: history) { svg in
      try AtomicFile.write(Array(svg.utf8), to: directory + "/curves.svg")
    }
  }
}
