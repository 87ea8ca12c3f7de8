import Foundation

/// Parses CSV text into a ``CSVTable``.
///
/// - Cells are separated by commas when the first line holds a comma, else by
///   runs of spaces or tabs; spaces around cells are ignored; blank lines are
///   skipped; lines end in `\n` or `\r\n`; a UTF-8 byte-order mark is skipped.
/// - A first line with a non-numeric cell is a header: either the
///   scikit-learn form `rows,features,class names...` (its first two cells
///   must then equal the number of data rows and of feature columns) or one
///   name per column.
/// - Numbers are parsed in place from the bytes: whole numbers of up to nine
///   digits directly, anything else with `strtof` (correctly rounded). NaN and
///   infinities are rejected.
public struct CSVReader {
  private let bytes: [UInt8]
  private let comma: Bool

  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let commaByte = UInt8(ascii: ",")

  /// Reads a table from a file's (decompressed) bytes.
  public static func parse(_ contents: [UInt8]) throws(DataFileError) -> CSVTable {
    var bytes = contents
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    bytes.append(0)  // strtof stops at the terminator after the last cell
    guard let first = firstLine(bytes) else {
      throw DataFileError("the file holds no data", help: "write one sample per row, e.g. `5.1,3.5,1.4,0.2,0`")
    }
    let reader = CSVReader(bytes: bytes, comma: bytes[first.range].contains(commaByte))
    let header = reader.cellTexts(first.range)
    let isHeader = header.contains { !isNumber($0) }
    let data =
      isHeader
      ? try reader.readRows(from: first.next, lineNumber: first.number + 1)
      : try reader.readRows(from: first.range.lowerBound, lineNumber: first.number)
    guard data.rows > 0 else {
      throw DataFileError(
        "the file holds a header line but no data rows", help: "write one sample per row after the header")
    }
    var table = CSVTable(values: data.values, rows: data.rows, columns: data.columns)
    if isHeader {
      try apply(header: header, to: &table)
    }
    return table
  }

  /// A line's content (without its end), where the next one starts, and its
  /// number counted from 1.
  private struct Line {
    var range: Range<Int>
    var next: Int
    var number: Int
  }

  /// The first line that is not blank, or nil if there is none (`bytes` ends
  /// with the terminator).
  private static func firstLine(_ bytes: [UInt8]) -> Line? {
    var start = 0
    var number = 1
    let end = bytes.count - 1
    while start < end {
      var stop = start
      while stop < end, bytes[stop] != newline { stop += 1 }
      var contentEnd = stop
      if contentEnd > start, bytes[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
      if bytes[start..<contentEnd].contains(where: { $0 != space && $0 != tab }) {
        return Line(range: start..<contentEnd, next: min(stop + 1, end), number: number)
      }
      start = stop + 1
      number += 1
    }
    return nil
  }

  /// The cells of one line as trimmed strings, quotes removed (header parsing).
  private func cellTexts(_ range: Range<Int>) -> [String] {
    let text = String(decoding: bytes[range], as: UTF8.self)
    let cells =
      comma
      ? text.split(separator: ",", omittingEmptySubsequences: false)
      : text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    return cells.map { cell in
      var trimmed = cell.trimmingCharacters(in: .whitespaces)
      if trimmed.count >= 2, trimmed.first == "\"", trimmed.last == "\"" {
        trimmed = String(trimmed.dropFirst().dropLast())
      }
      return trimmed
    }
  }

  /// True when a header cell is a finite number.
  private static func isNumber(_ text: String) -> Bool {
    guard let value = Float(text) else { return false }
    return value.isFinite
  }

  /// Interprets a header line: scikit-learn counts and class names, or names.
  private static func apply(header: [String], to table: inout CSVTable) throws(DataFileError) {
    if header.count >= 2, let rows = Int(header[0]), let features = Int(header[1]), rows >= 0, features >= 0,
      header.count != table.columns || (rows == table.rows && features == table.columns - 1)
    {
      guard rows == table.rows, features == table.columns - 1 else {
        throw DataFileError(
          "the first line says \(rows) samples of \(features) features (scikit-learn form), but the file has \(table.rows) rows of \(table.columns - 1) features and a label",
          help: "correct the counts in the first line, or remove it")
      }
      table.classNames = Array(header.dropFirst(2))
      return
    }
    guard header.count == table.columns else {
      throw DataFileError(
        "the header line names \(header.count) columns, but the rows have \(table.columns)",
        help: "give one name per column, or remove the header line")
    }
    table.columnNames = header
  }

  /// Parses every data line from `start`.
  private func readRows(from start: Int, lineNumber: Int) throws(DataFileError) -> (
    values: [Float], rows: Int, columns: Int
  ) {
    var values: [Float] = []
    values.reserveCapacity(bytes.count / 2 + 1)  // a cell takes at least two bytes
    var rows = 0
    var columns = 0
    var firstDataLine = lineNumber
    var position = start
    var number = lineNumber
    let failure: DataFileError? = bytes.withUnsafeBufferPointer { buffer in
      let end = buffer.count - 1
      while position < end {
        var cursor = Self.skipBlanks(buffer, position, end)
        if cursor == end || buffer[cursor] == Self.newline {
          position = cursor + 1  // a blank line
          number += 1
          continue
        }
        var cells = 0
        while true {
          // `cursor` is at the start of a cell, after any spaces.
          guard let (value, after) = Self.number(buffer, at: cursor, end: end) else {
            return cellError(buffer, line: number, column: cells + 1, at: cursor, end)
          }
          guard value.isFinite else {
            return DataFileError(
              "line \(number), column \(cells + 1): `\(Self.text(buffer, cursor, end))` is not a finite number",
              help: "replace missing or infinite values with numbers, or remove those rows")
          }
          values.append(value)
          cells += 1
          cursor = Self.skipBlanks(buffer, after, end)
          if cursor == end || buffer[cursor] == Self.newline { break }
          if comma, buffer[cursor] == Self.commaByte {
            cursor = Self.skipBlanks(buffer, cursor + 1, end)
          } else if comma || cursor == after {
            return DataFileError(
              "line \(number): expected \(comma ? "a comma" : "a space") after column \(cells), found \(Self.describe(buffer[cursor]))",
              help: "separate the cells of a row with \(comma ? "commas" : "spaces or tabs")")
          }
        }
        if rows == 0 {
          columns = cells
          firstDataLine = number
        } else if cells != columns {
          return DataFileError(
            "line \(number) has \(cells) columns, but line \(firstDataLine) has \(columns)",
            help: "every row needs the same number of values; check for missing or extra separators")
        }
        rows += 1
        position = cursor + 1
        number += 1
      }
      return nil
    }
    if let failure { throw failure }
    return (values, rows, columns)
  }

  /// The index of the first byte at or after `start` that is not a space, a
  /// tab or the `\r` of a `\r\n` line end.
  private static func skipBlanks(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var cursor = start
    while cursor < end {
      let byte = buffer[cursor]
      if byte == Self.space || byte == Self.tab
        || (byte == Self.carriageReturn && (cursor + 1 == end || buffer[cursor + 1] == Self.newline))
      {
        cursor += 1
      } else {
        break
      }
    }
    return cursor
  }

  /// The number starting at `start` and the index after it, or nil if none.
  private static func number(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (Float, Int)? {
    // Fast path: an optionally signed whole number of at most nine digits.
    var cursor = start
    var negative = false
    if cursor < end, buffer[cursor] == UInt8(ascii: "-") || buffer[cursor] == UInt8(ascii: "+") {
      negative = buffer[cursor] == UInt8(ascii: "-")
      cursor += 1
    }
    var whole = 0
    let digitsStart = cursor
    while cursor < end, cursor - digitsStart < 10, buffer[cursor] &- UInt8(ascii: "0") < 10 {
      whole = whole * 10 + Int(buffer[cursor] &- UInt8(ascii: "0"))
      cursor += 1
    }
    let digits = cursor - digitsStart
    if digits > 0, digits < 10, cursor == end || isTerminator(buffer[cursor]) {
      return (Float(negative ? -whole : whole), cursor)
    }
    // Anything else: strtof, which must not skip leading whitespace here.
    guard start < end, !isTerminator(buffer[start]) else { return nil }
    let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
    var stop: UnsafeMutablePointer<CChar>?
    let value = strtof(base + start, &stop)
    guard let stop else { return nil }
    let after = UnsafeRawPointer(stop) - UnsafeRawPointer(base)
    guard after > start, after == end || isTerminator(buffer[after]) else { return nil }
    return (value, after)
  }

  /// Bytes that may follow a number: separators, spaces and line ends.
  private static func isTerminator(_ byte: UInt8) -> Bool {
    byte == commaByte || byte == space || byte == tab || byte == newline || byte == carriageReturn
  }

  /// Up to 24 characters of the cell at `start`, for messages.
  private static func text(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    var stop = start
    while stop < end, stop - start < 24, !isTerminator(buffer[stop]), buffer[stop] >= 0x20 { stop += 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<stop]), as: UTF8.self)
  }

  /// A byte for messages: "`x`" when printable, else its hex value.
  private static func describe(_ byte: UInt8) -> String {
    (0x21..<0x7F).contains(byte)
      ? "`\(Character(Unicode.Scalar(byte)))`" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
  }

  /// The error for a cell that does not hold a number.
  private func cellError(
    _ buffer: UnsafeBufferPointer<UInt8>, line: Int, column: Int, at start: Int, _ end: Int
  ) -> DataFileError {
    let cell = Self.text(buffer, start, end)
    if !cell.isEmpty {
      return DataFileError(
        "line \(line), column \(column): `\(cell)` is not a number",
        help: "data cells must be numbers; encode categories as class indices 0, 1, 2, …")
    }
    if start < end, !Self.isTerminator(buffer[start]) {
      return DataFileError(
        "line \(line), column \(column): unexpected \(Self.describe(buffer[start]))",
        help: "data files hold numbers, separators and line ends only")
    }
    return DataFileError(
      "line \(line), column \(column) is empty",
      help: "every cell needs a number; check for doubled or trailing \(comma ? "commas" : "separators")")
  }
}
