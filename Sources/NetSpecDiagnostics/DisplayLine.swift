/// One source line prepared for a terminal: tabs expanded, control characters
/// replaced, and the display position of every column known, so that underlines
/// line up with the text above them whatever the line holds.
///
/// A line longer than ``maxColumns`` is cut to a window of that many columns
/// around the columns of interest, with `…` where text is left out, so a
/// multi-megabyte line never reaches the output in full.
///
/// Columns are counted as ``SourceFile`` counts them: one per UTF-8 lead byte.
struct DisplayLine {
  /// Spaces a tab expands to.
  static let tabWidth = 4
  /// Most columns of a line shown; longer lines are cut around the focus.
  static let maxColumns = 160
  /// Columns kept before the first column of interest when a line is cut.
  static let leadingContext = 40

  /// The printable text of the line.
  let text: String
  /// The first column shown (1 unless the start of the line is cut).
  private let firstColumn: Int
  /// `positions[c - firstColumn]` is the display position (0-based) where
  /// column `c` starts; the last element is the width of the shown columns.
  private let positions: [Int]
  /// The width of the whole text, including a trailing `…`.
  let width: Int

  /// Lays out line `number` of `file` (1-based; past the end gives an empty
  /// line), cut around the columns `focus` when it is too long.
  init(_ file: SourceFile, line number: Int, focus: ClosedRange<Int>? = nil) {
    let bytes = file.bytes
    let start = file.offset(line: number, column: 1)
    var end = start
    while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }

    // The window of columns to show, and its byte range.
    var columns = 0
    for i in start..<end where bytes[i] & 0xC0 != 0x80 { columns += 1 }
    var first = 1
    var last = columns
    if columns > Self.maxColumns {
      let wanted = focus ?? 1...1
      first = max(1, min(wanted.lowerBound - Self.leadingContext, columns - Self.maxColumns + 1))
      last = min(columns, first + Self.maxColumns - 1)
    }
    var from = start
    var column = 0
    var to = end
    for i in start..<end where bytes[i] & 0xC0 != 0x80 {
      column += 1
      if column == first { from = i }
      if column == last + 1 {
        to = i
        break
      }
    }

    var text = String.UnicodeScalarView()
    var width = 0
    if first > 1 {
      text.append("…")
      width = 1
    }
    var positions = [width]
    var i = from
    while i < to {
      var next = i + 1
      while next < to, bytes[next] & 0xC0 == 0x80 { next += 1 }
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
    if last < columns {
      text.append("…")
      width += 1
    }
    self.text = String(text)
    self.firstColumn = first
    self.positions = positions
    self.width = width
  }

  /// The display position (0-based) of a 1-based column; columns past the end of
  /// the line continue one cell each, columns cut from the line sit at its ends.
  func position(ofColumn column: Int) -> Int {
    let index = column - firstColumn
    if index < 0 { return 0 }
    if index < positions.count { return positions[index] }
    let end = positions.last!
    return width > end ? width : end + index - (positions.count - 1)
  }
}
