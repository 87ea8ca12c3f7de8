/// Training progress for a person. On a terminal, a live line redrawn in
/// place (carriage return, clear to end of line) at most every
/// `refreshInterval` seconds:
///
/// ```text
/// epoch  3/15 [#########-----------]  45% step 120/266 loss 0.3121 acc 91.2% 5,234 samples/s eta 0:42
/// ```
///
/// replaced at the end of each epoch by a permanent summary line:
///
/// ```text
/// epoch  3/15 loss 0.3121 acc 91.2% val_loss 0.2894 val_acc 92.0% lr 0.001 5,234 samples/s 0:51 (best)
/// ```
///
/// Elsewhere (a pipe, a CI log) only the summary lines, with no control
/// characters. The output and the clock are injected, so tests can drive it.
/// The `eta` is for the current epoch.
public final class ProgressReporter {
  private let epochs: Int
  private let write: (String) -> Void
  private let interactive: Bool
  private let columns: Int?
  private let clock: () -> Double
  private let refreshInterval: Double
  private let barWidth = 20

  private var epoch = 0
  private var steps = 0
  private var epochStart = 0.0
  private var lastDrawn: Double?

  /// A reporter for `epochs` epochs that sends text to `write`. `interactive`
  /// selects the live line (for a terminal `columns` wide, if known, to which
  /// it is cut); `clock` gives monotonic seconds.
  public init(
    epochs: Int, interactive: Bool, columns: Int? = nil, refreshInterval: Double = 0.1,
    clock: @escaping () -> Double = ProgressReporter.monotonicClock(),
    write: @escaping (String) -> Void
  ) {
    self.epochs = epochs
    self.interactive = interactive
    self.columns = columns
    self.refreshInterval = refreshInterval
    self.clock = clock
    self.write = write
  }

  /// Seconds since the call, from a monotonic clock.
  public static func monotonicClock() -> () -> Double {
    let start = ContinuousClock.now
    return {
      let elapsed = start.duration(to: .now).components
      return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }
  }

  /// Starts epoch `epoch` (from 1), which will take `steps` optimizer steps.
  public func startEpoch(_ epoch: Int, steps: Int) {
    self.epoch = epoch
    self.steps = steps
    epochStart = clock()
    lastDrawn = nil
  }

  /// Reports that `step` steps (and `samples` samples) of the epoch are done,
  /// with the running mean loss and metrics; redraws the live line when the
  /// last drawing is old enough. Does nothing when not interactive.
  public func update(step: Int, samples: Int, loss: Double, metrics: [String: Double] = [:]) {
    guard interactive else { return }
    let now = clock()
    if let lastDrawn, now - lastDrawn < refreshInterval { return }
    lastDrawn = now
    let fraction = steps > 0 ? Double(step) / Double(steps) : 1
    var fields = [
      "epoch \(ProgressFormat.counter(epoch, of: epochs))",
      ProgressFormat.bar(fraction, width: barWidth),
      pad(String(Int((fraction * 100).rounded(.down))) + "%", to: 4),
      "step \(ProgressFormat.counter(step, of: steps))",
      "loss \(ProgressFormat.number(loss))",
    ]
    fields += ProgressFormat.metrics(metrics)
    let elapsed = now - epochStart
    if elapsed > 0, step > 0 {
      fields.append("\(ProgressFormat.rate(Double(samples) / elapsed)) samples/s")
      fields.append("eta \(ProgressFormat.duration(elapsed / Double(step) * Double(max(steps - step, 0))))")
    }
    var line = fields.joined(separator: " ")
    if let columns, line.count > columns - 1 { line = String(line.prefix(max(columns - 1, 0))) }
    write("\r" + line + Self.clearToEndOfLine)
  }

  /// Ends the epoch with its summary line, followed by `note` in parentheses
  /// when given (e.g. `best`).
  public func endEpoch(_ record: EpochMetrics, note: String? = nil) {
    let summary = ProgressFormat.summary(record, epochs: epochs, note: note)
    write(lastDrawn == nil ? summary + "\n" : "\r" + summary + Self.clearToEndOfLine + "\n")
    lastDrawn = nil
  }

  /// Erases a live line left by an epoch that did not end (training stopped
  /// by an error), so that a message can follow on a clean line.
  public func finish() {
    if lastDrawn != nil { write("\r" + Self.clearToEndOfLine) }
    lastDrawn = nil
  }

  /// ANSI "erase to end of line".
  static let clearToEndOfLine = "\u{1B}[K"

  private func pad(_ text: String, to width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }
}
