/// The training chart `netspec train` writes: an SVG with the loss (training
/// and validation curves) over epochs and, below it, the main metric
/// (accuracy in percent, else mse, else mae), then, for a loss of several
/// terms, one panel per term (`loss_<term>`); nice axis ticks, a legend, and
/// a marker at the best validation epoch (where early stopping restores the
/// weights) when given. Self-contained SVG, no scripts or fonts to fetch.
/// `netspec train` and the tool of an emitted package both draw their
/// `curves.svg` with it.
///
/// Non-finite values (a diverged loss) leave gaps in their curve; a single
/// epoch is drawn as points; constant curves get a small range around them.
///
/// ```swift
/// let svg = LossChart(title: "lenet5", records: log, bestEpoch: 7).svg()
/// ```
public struct LossChart: Sendable {
  /// The chart's heading, e.g. the spec's name.
  public var title: String
  /// One record per epoch, in order.
  public var records: [EpochMetrics]
  /// The epoch marked as best, if any.
  public var bestEpoch: Int?

  /// A chart of `records`.
  public init(title: String, records: [EpochMetrics], bestEpoch: Int? = nil) {
    self.title = title
    self.records = records
    self.bestEpoch = bestEpoch
  }

  /// The SVG document.
  public func svg() -> String {
    let panels = self.panels
    var document = SVGDocument(width: Layout.width, height: Layout.top + panels.count * Layout.panelHeight)
    document.element(
      "text", [("x", String(Layout.left)), ("y", "28"), ("font-size", "16"), ("font-weight", "bold")], text: title)
    let xScale = EpochScale(epochs: records.map(\.epoch))
    for (index, panel) in panels.enumerated() {
      panel.draw(
        into: &document, top: Double(Layout.top + index * Layout.panelHeight), xScale: xScale,
        bestEpoch: bestEpoch, labelBest: index == 0)
    }
    return document.rendered(title: title + " training")
  }

  /// The loss panel, then the main metric's when there is one, then each loss term's.
  var panels: [ChartPanel] {
    let loss = ChartPanel(
      heading: "loss",
      train: records.map { ($0.epoch, $0.trainLoss) },
      validation: records.compactMap { record in record.validationLoss.map { (record.epoch, $0) } },
      percent: false)
    let names = records.reduce(into: Set<String>()) { names, record in
      names.formUnion(record.train.keys)
      names.formUnion(record.validation.keys)
    }
    let terms = EpochMetrics.ordered(names.filter { $0.hasPrefix(Self.termPrefix) })
    let main = EpochMetrics.ordered(names.subtracting(terms)).first.map { [$0] } ?? []
    return [loss] + (main + terms).map(panel)
  }

  /// The metrics key prefix of a loss term's value (`loss_kl_divergence`).
  static let termPrefix = "loss_"

  /// The panel of one metric over the epochs; accuracy in percent.
  private func panel(_ metric: String) -> ChartPanel {
    let percent = metric == "accuracy"
    let scale = percent ? 100.0 : 1
    return ChartPanel(
      heading: metric.hasPrefix(Self.termPrefix) ? "loss term \(metric.dropFirst(Self.termPrefix.count))" : metric,
      train: records.compactMap { record in record.train[metric].map { (record.epoch, $0 * scale) } },
      validation: records.compactMap { record in record.validation[metric].map { (record.epoch, $0 * scale) } },
      percent: percent)
  }

  /// Sizes in SVG units.
  enum Layout {
    static let width = 760
    static let left = 72
    static let right = 24
    /// Where the first panel starts, below the title.
    static let top = 44
    static let panelHeight = 276
    /// Heading and legend above the plot area.
    static let header = 28
    static let plotHeight = 196
  }
}
