/// A run's `curves.svg` as training goes: the ``LossChart`` of the epochs
/// recorded so far, redrawn after every epoch, and once more at the end with
/// the best epoch marked. `netspec train` (through its run log) and the tool
/// of an emitted package both keep one, each with its own way of writing a
/// file.
///
/// ```swift
/// let chart = TrainingChart(title: "lenet5") { svg in try save(svg, "runs/lenet5/curves.svg") }
/// try chart.record(epoch)                  // after each epoch
/// try chart.finish(bestEpoch: result.bestEpoch)
/// ```
public final class TrainingChart {
  /// The chart's heading, the spec's name.
  public let title: String
  /// Every epoch recorded so far.
  public private(set) var history: [EpochMetrics]
  private let write: (String) throws -> Void

  /// A chart of `history` (empty for a new run) titled `title`; `write`
  /// replaces the file with the SVG text it is given.
  public init(title: String, history: [EpochMetrics] = [], write: @escaping (String) throws -> Void) {
    self.title = title
    self.history = history
    self.write = write
  }

  /// Draws the chart of the epochs recorded so far.
  public func redraw() throws {
    try write(LossChart(title: title, records: history).svg())
  }

  /// Adds `epoch` and redraws the chart.
  public func record(_ epoch: EpochMetrics) throws {
    history.append(epoch)
    try redraw()
  }

  /// Redraws the chart with `bestEpoch` (whose weights the run kept) marked.
  public func finish(bestEpoch: Int?) throws {
    try write(LossChart(title: title, records: history, bestEpoch: bestEpoch).svg())
  }
}
