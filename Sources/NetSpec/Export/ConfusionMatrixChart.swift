import Foundation

/// The confusion matrix `netspec eval` writes as SVG: true classes down,
/// predicted classes across, each cell shaded by the fraction of its row
/// (the class's recall on the diagonal) and labelled with its count when the
/// cells are large enough. Self-contained SVG, the same bytes every time.
///
/// ```swift
/// try ConfusionMatrixChart(title: "iris, test", matrix: matrix, labels: ["setosa", ...]).write(to: "confusion.svg")
/// ```
public struct ConfusionMatrixChart: Sendable {
  public var title: String
  public var matrix: ConfusionMatrix
  /// One label per class.
  public var labels: [String]

  public init(title: String, matrix: ConfusionMatrix, labels: [String]) {
    self.title = title
    self.matrix = matrix
    self.labels = labels
  }

  /// The side of a cell: 48 units, smaller for many classes (at least 6).
  var cell: Double { max(6, min(48, 720 / Double(max(matrix.classes, 1)))) }

  /// The SVG document.
  public func svg() -> String {
    let k = matrix.classes
    let labelWidth = Double(min(24, labels.map(\.count).max() ?? 1)) * 7 + 16
    let left = 40 + labelWidth
    let top = 70 + labelWidth
    let side = cell * Double(k)
    var document = SVGDocument(width: Int(left + side + 30), height: Int(top + side + 30))
    document.text(title, x: 20, y: 28, [("font-size", "16"), ("font-weight", "bold")])
    document.text("predicted class →", x: left, y: 52, [("font-size", "12"), ("fill", "#444444")])
    document.text(
      "true class →", x: 24, y: top,
      [("font-size", "12"), ("fill", "#444444"), ("transform", "rotate(90 24 \(SVGDocument.coordinate(top)))")])
    let showsLabels = cell >= 12
    let showsCounts = cell >= 24
    for actual in 0..<k {
      let support = max(matrix.support(of: actual), 1)
      let y = top + Double(actual) * cell
      if showsLabels {
        document.text(
          Self.clipped(labels[actual]), x: left - 6, y: y + cell / 2 + 4, [("text-anchor", "end")])
      }
      for predicted in 0..<k {
        let count = matrix.count(actual: actual, predicted: predicted)
        let fraction = Double(count) / Double(support)
        let x = left + Double(predicted) * cell
        document.element(
          "rect",
          [
            ("x", SVGDocument.coordinate(x)), ("y", SVGDocument.coordinate(y)),
            ("width", SVGDocument.coordinate(cell)), ("height", SVGDocument.coordinate(cell)),
            ("fill", Self.shade(fraction)), ("stroke", "#ffffff"),
          ])
        if showsCounts {
          document.text(
            String(count), x: x + cell / 2, y: y + cell / 2 + 4,
            [("text-anchor", "middle"), ("fill", fraction > 0.5 ? "#ffffff" : "#1a1a1a")])
        }
      }
    }
    if showsLabels {
      // Labels that fit across a cell (about 7 units a character) stay upright.
      let upright = labels.allSatisfy { Double(Self.clipped($0).count) * 7 <= cell - 4 }
      for predicted in 0..<k {
        let label = Self.clipped(labels[predicted])
        if upright {
          let x = left + Double(predicted) * cell + cell / 2
          document.text(label, x: x, y: top - 6, [("text-anchor", "middle")])
        } else {
          let x = left + Double(predicted) * cell + cell / 2 + 4
          let y = top - 6
          document.text(
            label, x: x, y: y, [("transform", "rotate(-90 \(SVGDocument.coordinate(x)) \(SVGDocument.coordinate(y)))")])
        }
      }
    }
    return document.rendered(title: title + " confusion matrix")
  }

  /// Writes the SVG to `path` atomically; throws ``FileError``.
  public func write(to path: String) throws {
    try AtomicFile.write(Array(svg().utf8), to: path)
  }

  /// White through blue as `fraction` goes from 0 to 1.
  static func shade(_ fraction: Double) -> String {
    let t = min(max(fraction, 0), 1)
    let (r, g, b) = (255 - t * (255 - 8), 255 - t * (255 - 69), 255 - t * (255 - 148))
    return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
  }

  /// A label cut to 24 characters.
  static func clipped(_ label: String) -> String { label.count > 24 ? String(label.prefix(23)) + "…" : label }
}
