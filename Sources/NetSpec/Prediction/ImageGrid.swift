import Foundation

/// Images drawn side by side in a grid, as one greyscale picture: a model's
/// image-shaped outputs (reconstructions, decoded samples) and, for an
/// autoencoder, the inputs above them (`netspec predict --grid`).
///
/// Each image is `scale` pixels per value, on a mid-grey background with a
/// `gap` between cells; a value `v` is the grey level `round(255 * v)`, `v`
/// clamped to [0, 1] (``levels(of:)`` maps a model's outputs to such values).
public struct ImageGrid: Sendable {
  /// Images across and down.
  public let columns: Int
  public let rows: Int
  /// One image's values down and across.
  public let imageHeight: Int
  public let imageWidth: Int
  /// Picture pixels per image value, down and across.
  public let scale: Int
  /// Background pixels around and between cells.
  public let gap: Int
  /// The picture's size in pixels.
  public let width: Int
  public let height: Int
  /// The picture, row by row, one grey level per pixel.
  public private(set) var pixels: [UInt8]

  /// The grey of the background and of empty cells.
  public static let background: UInt8 = 128

  /// The grid of `images` (each `imageHeight * imageWidth` values in [0, 1],
  /// row-major; nil leaves its cell empty), `columns` to a row.
  public init(
    images: [[Float]?], imageHeight: Int, imageWidth: Int, columns: Int, scale: Int = 2, gap: Int = 2
  ) {
    precondition(!images.isEmpty && columns > 0 && imageHeight > 0 && imageWidth > 0 && scale > 0 && gap >= 0)
    self.columns = min(columns, images.count)
    rows = (images.count + self.columns - 1) / self.columns
    self.imageHeight = imageHeight
    self.imageWidth = imageWidth
    self.scale = scale
    self.gap = gap
    width = self.columns * (imageWidth * scale + gap) + gap
    height = rows * (imageHeight * scale + gap) + gap
    pixels = [UInt8](repeating: Self.background, count: width * height)
    for (index, image) in images.enumerated() {
      guard let image else { continue }
      precondition(image.count == imageHeight * imageWidth, "an image of \(image.count) values")
      let origin = self.origin(of: index)
      for y in 0..<(imageHeight * scale) {
        for x in 0..<(imageWidth * scale) {
          pixels[(origin.y + y) * width + origin.x + x] = Self.level(image[(y / scale) * imageWidth + x / scale])
        }
      }
    }
  }

  /// The top-left picture pixel of cell `index` (row by row).
  public func origin(of index: Int) -> (x: Int, y: Int) {
    (gap + (index % columns) * (imageWidth * scale + gap), gap + (index / columns) * (imageHeight * scale + gap))
  }

  /// The grey level of a value: `round(255 * v)` with `v` clamped to [0, 1] (NaN is black).
  public static func level(_ value: Float) -> UInt8 {
    UInt8((min(max(value.isNaN ? 0 : value, 0), 1) * 255).rounded())
  }

  /// The picture as a PNG file.
  public var png: [UInt8] { PNGEncoding.grey(width: width, height: height, pixels: pixels) }

  /// Writes the picture to `path` as PNG, atomically.
  public func write(to path: String) throws { try AtomicFile.write(png, to: path) }

  /// The images of a sample shape: `[H*W]` with a square `H*W`, `[H, W]` or
  /// `[1, H, W]` (one channel); nil for any other shape.
  public static func imageSize(of sampleShape: [Int]) -> (height: Int, width: Int)? {
    switch sampleShape.count {
    case 1:
      let side = Int(Double(sampleShape[0]).squareRoot().rounded())
      return side > 1 && side * side == sampleShape[0] ? (side, side) : nil
    case 2: return (sampleShape[0], sampleShape[1])
    case 3 where sampleShape[0] == 1: return (sampleShape[1], sampleShape[2])
    default: return nil
    }
  }

  /// Each sample's outputs as values in [0, 1]: the sigmoid of the logits
  /// of a `binary_cross_entropy` model (its probabilities), the values
  /// themselves otherwise (clamped when drawn).
  public static func levels(of predictions: Predictions) -> [[Float]] {
    (0..<predictions.count).map { sample in
      let values = Array(predictions.outputs(of: sample))
      return predictions.kind == .binary ? values.map { 1 / (1 + Foundation.exp(-$0)) } : values
    }
  }

  /// Inputs and outputs in alternate rows: a row of inputs, then the row
  /// of their outputs (an autoencoder's reconstructions), and the number of
  /// columns to draw them in (`columns`, or fewer when there are fewer samples).
  public static func pairedRows(inputs: [[Float]], outputs: [[Float]], columns: Int) -> (
    cells: [[Float]?], columns: Int
  ) {
    precondition(inputs.count == outputs.count && !inputs.isEmpty && columns > 0)
    let columns = min(columns, inputs.count)
    var cells: [[Float]?] = []
    for start in stride(from: 0, to: inputs.count, by: columns) {
      let end = min(start + columns, inputs.count)
      let blank = [[Float]?](repeating: nil, count: start + columns - end)
      cells += inputs[start..<end].map { $0 } + blank
      cells += outputs[start..<end].map { $0 } + blank
    }
    return (cells, columns)
  }
}
