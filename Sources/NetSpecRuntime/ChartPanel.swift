/// One panel of the training chart: a heading and legend, a plot frame with
/// a y grid and tick labels, epoch ticks, the training (solid) and validation
/// (dashed) curves, and the best-epoch marker.
struct ChartPanel {
  /// A curve's points: (epoch, value).
  typealias Points = [(epoch: Int, value: Double)]

  var heading: String
  var train: Points
  var validation: Points
  /// Tick labels end in `%`.
  var percent: Bool

  static let trainColor = "#1f77b4"
  static let validationColor = "#ff7f0e"
  static let bestColor = "#2ca02c"
  /// Curves with at most this many points also get a dot per point.
  static let maxDottedPoints = 50

  /// Draws the panel with its top edge at `top`; `labelBest` adds the
  /// "best epoch N" caption to the marker.
  func draw(into svg: inout SVGDocument, top: Double, xScale: EpochScale, bestEpoch: Int?, labelBest: Bool) {
    typealias Layout = LossChart.Layout
    let (left, right) = (Double(Layout.left), Double(Layout.width - Layout.right))
    let plotTop = top + Double(Layout.header)
    let plotBottom = plotTop + Double(Layout.plotHeight)
    let yScale = ChartScale(covering: (train + validation).map(\.value))
    func x(_ epoch: Int) -> Double { xScale.position(epoch, from: left, to: right) }
    func y(_ value: Double) -> Double { yScale.position(value, from: plotBottom, to: plotTop) }

    svg.text(heading, x: left, y: top + 16, [("font-size", "13"), ("font-weight", "bold")])
    drawLegend(into: &svg, y: top + 12, right: right)

    svg.element(
      "rect",
      [
        ("x", SVGDocument.coordinate(left)), ("y", SVGDocument.coordinate(plotTop)),
        ("width", SVGDocument.coordinate(right - left)), ("height", SVGDocument.coordinate(plotBottom - plotTop)),
        ("fill", "none"), ("stroke", "#999999"),
      ])
    for tick in yScale.ticks {
      svg.line(left, y(tick), right, y(tick), [("stroke", "#e5e5e5")])
      svg.text(
        yScale.label(tick) + (percent ? "%" : ""), x: left - 6, y: y(tick) + 4, [("text-anchor", "end")])
    }
    for epoch in xScale.ticks {
      svg.line(x(epoch), plotBottom, x(epoch), plotBottom + 4, [("stroke", "#999999")])
      svg.text(String(epoch), x: x(epoch), y: plotBottom + 17, [("text-anchor", "middle")])
    }
    svg.text("epoch", x: (left + right) / 2, y: plotBottom + 34, [("text-anchor", "middle"), ("fill", "#555555")])

    if let bestEpoch, Double(bestEpoch) >= xScale.lower, Double(bestEpoch) <= xScale.upper {
      svg.line(
        x(bestEpoch), plotTop, x(bestEpoch), plotBottom,
        [("stroke", Self.bestColor), ("stroke-width", "1.5"), ("stroke-dasharray", "3 3")])
      if labelBest {
        let nearRight = x(bestEpoch) > right - 100
        svg.text(
          "best epoch \(bestEpoch)", x: x(bestEpoch) + (nearRight ? -5 : 5), y: plotTop + 14,
          [("text-anchor", nearRight ? "end" : "start"), ("fill", Self.bestColor)])
      }
      let marked = validation.isEmpty ? train : validation
      if let point = marked.first(where: { $0.epoch == bestEpoch }), ChartScale.isPlottable(point.value) {
        svg.element(
          "circle",
          [
            ("cx", SVGDocument.coordinate(x(bestEpoch))), ("cy", SVGDocument.coordinate(y(point.value))), ("r", "6"),
            ("fill", "none"), ("stroke", Self.bestColor), ("stroke-width", "2"),
          ])
      }
    }

    drawCurve(train, into: &svg, color: Self.trainColor, dashed: false, x: x, y: y)
    drawCurve(validation, into: &svg, color: Self.validationColor, dashed: true, x: x, y: y)
  }

  /// "train" and "validation" swatches, for the curves that exist, ending at `right`.
  private func drawLegend(into svg: inout SVGDocument, y: Double, right: Double) {
    var entries: [(label: String, color: String, dashed: Bool)] = []
    if !train.isEmpty { entries.append(("train", Self.trainColor, false)) }
    if !validation.isEmpty { entries.append(("validation", Self.validationColor, true)) }
    var x = right - Double(entries.count) * 100
    for entry in entries {
      svg.line(
        x, y, x + 24, y,
        [("stroke", entry.color), ("stroke-width", "2")] + (entry.dashed ? [("stroke-dasharray", "6 4")] : []))
      svg.text(entry.label, x: x + 30, y: y + 4)
      x += 100
    }
  }

  /// A curve as polylines through runs of plottable points (gaps where a
  /// value is not), with dots on short curves and on isolated points.
  private func drawCurve(
    _ points: Points, into svg: inout SVGDocument, color: String, dashed: Bool,
    x: (Int) -> Double, y: (Double) -> Double
  ) {
    var runs: [Points] = [[]]
    for point in points {
      if ChartScale.isPlottable(point.value) {
        runs[runs.count - 1].append(point)
      } else if !runs[runs.count - 1].isEmpty {
        runs.append([])
      }
    }
    for run in runs where !run.isEmpty {
      let coordinates = run.map { SVGDocument.coordinate(x($0.epoch)) + "," + SVGDocument.coordinate(y($0.value)) }
      if run.count > 1 {
        svg.element(
          "polyline",
          [("points", coordinates.joined(separator: " ")), ("fill", "none"), ("stroke", color), ("stroke-width", "2")]
            + (dashed ? [("stroke-dasharray", "6 4")] : []))
      }
      if run.count == 1 || points.count <= Self.maxDottedPoints {
        for point in run {
          svg.element(
            "circle",
            [
              ("cx", SVGDocument.coordinate(x(point.epoch))), ("cy", SVGDocument.coordinate(y(point.value))),
              ("r", "2.5"), ("fill", color),
            ])
        }
      }
    }
  }
}
