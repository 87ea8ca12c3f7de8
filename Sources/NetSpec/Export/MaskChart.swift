import Foundation

/// Segmentation results as SVG, the `netspec eval --masks` picture: one row
/// per sample, holding the input image (its first channel, in gray), the true
/// mask and the predicted mask, each class in its own colour. Runs of equal
/// pixels along a row are drawn as one rectangle (the image in 8 gray
/// levels), so the file stays small; the same data gives the same bytes.
///
/// ```swift
/// let chart = MaskChart(title: "unet_shapes, test", height: 32, width: 32,
///                       images: images, truth: truth, predicted: predicted)
/// try chart.write(to: "masks.svg")
/// ```
public struct MaskChart: Sendable {
  public var title: String
  public var height: Int
  public var width: Int
  /// `samples × height × width` gray values, drawn from their minimum (black)
  /// to their maximum (white).
  public var images: [Float]
  /// `samples × height × width` class indices.
  public var truth: [Int]
  /// `samples × height × width` class indices.
  public var predicted: [Int]

  /// A chart of `images.count / (height · width)` samples.
  public init(
    title: String, height: Int, width: Int, images: [Float], truth: [Int], predicted: [Int]
  ) {
    self.title = title
    self.height = height
    self.width = width
    self.images = images
    self.truth = truth
    self.predicted = predicted
  }

  /// Screen units per pixel: a panel is about 128 units wide, at least 1 a pixel.
  var pixel: Double { max(1, (128 / Double(max(height, width))).rounded(.down)) }

  /// The SVG document.
  public func svg() -> String {
    let area = height * width
    let samples = area == 0 ? 0 : images.count / area
    let (panelWidth, panelHeight) = (pixel * Double(width), pixel * Double(height))
    let (left, top, gap) = (20.0, 64.0, 12.0)
    var document = SVGDocument(
      width: Int(left * 2 + 3 * panelWidth + 2 * gap), height: Int(top + Double(samples) * (panelHeight + gap) + 8))
    document.text(title, x: left, y: 24, [("font-size", "16"), ("font-weight", "bold")])
    for (column, heading) in ["image", "true mask", "predicted mask"].enumerated() {
      document.text(heading, x: left + Double(column) * (panelWidth + gap), y: top - 10, [("fill", "#444444")])
    }
    let (low, high) = (images.min() ?? 0, images.max() ?? 1)
    let range = high > low ? high - low : 1
    for sample in 0..<samples {
      let y = top + Double(sample) * (panelHeight + gap)
      let pixels = (sample * area)..<((sample + 1) * area)
      let gray = images[pixels].map { min(7, Int(((($0 - low) / range) * 8).rounded(.down))) }
      draw(&document, gray, x: left, y: y) { Self.gray($0) }
      draw(&document, Array(truth[pixels]), x: left + panelWidth + gap, y: y) { Self.colour($0) }
      draw(&document, Array(predicted[pixels]), x: left + 2 * (panelWidth + gap), y: y) { Self.colour($0) }
    }
    return document.rendered(title: title + " segmentation masks")
  }

  /// One panel: each row's runs of equal `levels` as rectangles.
  private func draw(_ document: inout SVGDocument, _ levels: [Int], x: Double, y: Double, fill: (Int) -> String) {
    for row in 0..<height {
      var start = 0
      while start < width {
        let level = levels[row * width + start]
        var end = start + 1
        while end < width, levels[row * width + end] == level { end += 1 }
        document.element(
          "rect",
          [
            ("x", SVGDocument.coordinate(x + Double(start) * pixel)),
            ("y", SVGDocument.coordinate(y + Double(row) * pixel)),
            ("width", SVGDocument.coordinate(Double(end - start) * pixel)),
            ("height", SVGDocument.coordinate(pixel)), ("fill", fill(level)),
          ])
        start = end
      }
    }
  }

  /// Writes the SVG to `path` atomically; throws ``FileError``.
  public func write(to path: String) throws {
    try AtomicFile.write(Array(svg().utf8), to: path)
  }

  /// Gray level `level` of 8, black to white.
  static func gray(_ level: Int) -> String {
    let value = level * 255 / 7
    return String(format: "#%02x%02x%02x", value, value, value)
  }

  /// Class 0 (background) dark, then distinct colours, repeating after eight.
  static func colour(_ label: Int) -> String {
    let palette = ["#202020", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"]
    return palette[((label % palette.count) + palette.count) % palette.count]
  }
}
