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
  public let title: String
  /// Every epoch recorded so far.
  public private(set) var history: [EpochMetrics] = []
  private let jsonLines: MetricsLogWriter
  private let csv: MetricsLogWriter

  /// Creates (or empties) the logs in `directory`, which must exist.
  public init(directory: String, title: String) throws(FileError) {
    self.directory = directory
    self.title = title
    jsonLines = try MetricsLogWriter(path: directory + "/metrics.jsonl")
    csv = try MetricsLogWriter(path: directory + "/metrics.csv", format: .csv)
  }

  /// Continues the logs of the run in `directory` after `epoch`, the epoch
  /// of its checkpoint: `metrics.jsonl` is read back, its lines after
  /// `epoch` (epochs a killed run finished after its last checkpoint, which
  /// the resumed run trains again) are dropped, and both logs are rewritten
  /// with the rest, atomically; the chart is redrawn.
  public init(directory: String, title: String, continuingAfter epoch: Int) throws {
    self.directory = directory
    self.title = title
    let path = directory + "/metrics.jsonl"
    let kept =
      FileManager.default.fileExists(atPath: path)
      ? try MetricsLog.read(contentsOf: path).filter { $0.epoch <= epoch } : []
    history = kept
    jsonLines = try MetricsLogWriter(path: path, format: .jsonLines, continuing: kept)
    csv = try MetricsLogWriter(path: directory + "/metrics.csv", format: .csv, continuing: kept)
    try LossChart(title: title, records: history).write(to: directory + "/curves.svg")
  }

  /// Appends `epoch` to both logs and redraws the chart.
  public func record(_ epoch: EpochMetrics) throws {
    history.append(epoch)
    try jsonLines.append(epoch)
    try csv.append(epoch)
    try LossChart(title: title, records: history).write(to: directory + "/curves.svg")
  }

  /// Redraws the chart with `bestEpoch` (whose weights the run kept) marked.
  public func finish(bestEpoch: Int?) throws {
    try LossChart(title: title, records: history, bestEpoch: bestEpoch).write(to: directory + "/curves.svg")
  }
}
