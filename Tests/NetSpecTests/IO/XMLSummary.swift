import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// What a parsed SVG holds: the root element, element counts, the text of
/// `<text>` and `<title>` elements, the point count of each polyline, and
/// its structure (every element's name and attribute names, in order).
final class XMLSummary: NSObject, XMLParserDelegate {
  private(set) var root: String?
  private(set) var counts: [String: Int] = [:]
  private(set) var texts: [String] = []
  private(set) var title: String?
  private(set) var polylinePointCounts: [Int] = []
  /// Each element as `name(attribute,...)`, attribute names sorted, in document order.
  private(set) var elements: [String] = []
  private var currentText: String?

  struct Invalid: Error { var message: String }

  init(_ svg: String) throws {
    super.init()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = self
    guard parser.parse() else {
      throw Invalid(message: parser.parserError.map { "\($0)" } ?? "unknown XML error")
    }
  }

  func count(_ element: String) -> Int { counts[element] ?? 0 }

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    if root == nil { root = name }
    counts[name, default: 0] += 1
    elements.append(name + "(" + attributes.keys.sorted().joined(separator: ",") + ")")
    if name == "text" || name == "title" { currentText = "" }
    if name == "polyline", let points = attributes["points"] {
      polylinePointCounts.append(points.split(separator: " ").count)
    }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    currentText? += string
  }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    if name == "text", let currentText { texts.append(currentText) }
    if name == "title" { title = currentText }
    currentText = nil
  }
}
