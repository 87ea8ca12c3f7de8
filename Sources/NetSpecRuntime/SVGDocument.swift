import Foundation

/// A minimal SVG writer: elements appended in order with attributes in the
/// order given, text escaped for XML, coordinates with one decimal, so the
/// same chart is the same bytes every time. The training chart
/// (``LossChart``) and `netspec eval`'s pictures are written with it.
///
/// ```swift
/// var document = SVGDocument(width: 200, height: 100)
/// document.text("loss", x: 10, y: 20)
/// let svg = document.rendered(title: "chart")
/// ```
public struct SVGDocument {
  /// The document's width in SVG units.
  public let width: Int
  /// The document's height in SVG units.
  public let height: Int
  private var lines: [String] = []

  /// An empty document of `width` by `height` units.
  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// Appends `<name attributes/>`, or `<name attributes>text</name>`.
  public mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
    let attributeText = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
    if let text {
      lines.append("  <\(name)\(attributeText)>\(Self.escape(text))</\(name)>")
    } else {
      lines.append("  <\(name)\(attributeText)/>")
    }
  }

  /// Appends a `<line>` from (x1, y1) to (x2, y2) with `style` attributes.
  public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ style: [(String, String)]) {
    element(
      "line",
      [
        ("x1", Self.coordinate(x1)), ("y1", Self.coordinate(y1)), ("x2", Self.coordinate(x2)),
        ("y2", Self.coordinate(y2)),
      ]
        + style)
  }

  /// Appends `text` at (x, y) with `style` attributes.
  public mutating func text(_ text: String, x: Double, y: Double, _ style: [(String, String)] = []) {
    element("text", [("x", Self.coordinate(x)), ("y", Self.coordinate(y))] + style, text: text)
  }

  /// The complete document, with `title` as its accessible name.
  public func rendered(title: String) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
    viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
      <title>\(Self.escape(title))</title>
      <rect width="\(width)" height="\(height)" fill="white"/>

    """ + lines.joined(separator: "\n") + "\n</svg>\n"
  }

  /// `value` with one decimal: `12.5`.
  public static func coordinate(_ value: Double) -> String {
    String(format: "%.1f", value)
  }

  /// Text safe in XML content and attribute values: markup characters as
  /// entities, characters XML 1.0 forbids (most control characters) as U+FFFD.
  public static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
        out += "\u{FFFD}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
