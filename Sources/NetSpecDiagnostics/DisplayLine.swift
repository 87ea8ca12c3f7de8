/// One source line prepared for a terminal: tabs expanded, control characters
/// replaced, and the display position of every column known, so that underlines
/// line up with the text above them whatever the line holds.
///
/// Columns are counted as ``SourceFile`` counts them: one per UTF-8 lead byte.
struct DisplayLine {
  /// Spaces a tab expands to.
  static let tabWidth = 4

  /// The printable text of the line.
  let text: String
  /// `positions[c - 1]` is the display position (0-based) where column `c` starts;
  /// the last element is the width of the whole line.
  private let positions: [Int]

  /// Lays out line `number` of `file` (1-based; past the end gives an empty line).
  init(_ file: SourceFile, line number: Int) {
    let bytes = file.bytes
    let start = file.offset(line: number, column: 1)
    var end = start
    while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }

    var text = String.UnicodeScalarView()
    var positions = [0]
    var width = 0
    var i = start
    while i < end {
      var next = i + 1
      while next < end, bytes[next] & 0xC0 == 0x80 { next += 1 }
      let decoded = String(decoding: bytes[i..<next], as: UTF8.self).unicodeScalars
      let scalar = decoded.count == 1 ? decoded.first! : "\u{FFFD}"
      if scalar == "\t" {
        text.append(contentsOf: repeatElement(" ", count: Self.tabWidth))
        width += Self.tabWidth
      } else if scalar.isControl {
        text.append("\u{FFFD}")
        width += 1
      } else {
        text.append(scalar)
        width += scalar.displayWidth
      }
      positions.append(width)
      i = next
    }
    self.text = String(text)
    self.positions = positions
  }

  /// The display width of the whole line.
  var width: Int { positions.last! }

  /// The display position (0-based) of a 1-based column; columns past the end of
  /// the line continue one cell each.
  func position(ofColumn column: Int) -> Int {
    let index = max(0, column - 1)
    return index < positions.count ? positions[index] : width + index - (positions.count - 1)
  }
}
