import Foundation

/// Parses CSV text into a ``CSVTable``, streamed: it holds one chunk of the
/// file and the values parsed so far, never the whole text.
///
/// - Cells are separated by commas when the first line holds a comma, else by
///   runs of spaces or tabs; spaces around cells are ignored; blank lines are
///   skipped; lines end in `\n` or `\r\n`; a UTF-8 byte-order mark is skipped.
/// - A line holds at most ``maxLineBytes`` bytes.
/// - Whether the first line is a header is the ``CSVHeader`` choice. A header
///   is either the scikit-learn form `rows,features,class names...` (its first
///   two cells must then equal the number of data rows and of feature
///   columns) or one name per column.
/// - Numbers are parsed in place from the bytes: whole numbers of up to nine
///   digits directly, anything else with `strtof` (correctly rounded). NaN and
///   infinities are rejected.
public struct CSVReader {
  /// The most bytes one line may hold: 1 MiB (about 100 000 numbers).
  public static let maxLineBytes = 1 << 20
  /// How many bytes are read at a time.
  private static let chunkBytes = 1 << 20

  private let comma: Bool
  private var values: [Float] = []
  private var rows = 0
  private var columns = 0
  private var firstDataLine = 0
  /// The number of the next line to parse, counted from 1.
  private var number: Int

  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let commaByte = UInt8(ascii: ",")

  private init(comma: Bool, number: Int) {
    self.comma = comma
    self.number = number
  }

  /// Reads a table from a file's (decompressed) bytes.
  public static func parse(_ contents: [UInt8], header: CSVHeader = .auto) throws(DataFileError) -> CSVTable {
    var stream = MemoryByteStream(contents)
    return try parse(&stream, header: header)
  }

  /// Reads a table from a stream of a file's (decompressed) bytes.
  public static func parse(_ stream: inout some ByteStream, header: CSVHeader) throws(DataFileError) -> CSVTable {
    var pending: [UInt8] = []  // unparsed bytes, starting at a line's start
    var atEnd = false
    var byteOrderMarkChecked = false
    var reader: CSVReader?
    var headerCells: [String]?
    var number = 1
    while !atEnd {
      let chunk = try stream.read(upTo: chunkBytes)
      atEnd = chunk.isEmpty
      pending += chunk
      if !byteOrderMarkChecked, pending.count >= 3 || atEnd {
        if pending.starts(with: [0xEF, 0xBB, 0xBF]) { pending.removeFirst(3) }
        byteOrderMarkChecked = true
      }
      // Parse the complete lines; the rest waits for the next chunk.
      var complete = atEnd ? pending.count : (pending.lastIndex(of: newline).map { $0 + 1 } ?? 0)
      if reader == nil, let first = firstLine(pending[..<complete], number: &number) {
        let cells = try lineCells(pending[first], line: number)
        let isHeader = try decide(header, cells, line: number)
        reader = CSVReader(comma: pending[first].contains(commaByte), number: isHeader ? number + 1 : number)
        if isHeader { headerCells = cells }
        let next = isHeader ? min(first.upperBound + 1, complete) : first.lowerBound
        pending.removeFirst(next)
        complete -= next
      } else if reader == nil {
        // Blank lines only so far.
        number += pending[..<complete].count(where: { $0 == newline })
        pending.removeFirst(complete)
        complete = 0
      }
      if var parser = reader, complete > 0 {
        var block = Array(pending[..<complete])
        block.append(0)  // strtof stops at the terminator after the last cell
        try parser.readRows(block)
        reader = parser
        pending.removeFirst(complete)
      }
      guard pending.count <= maxLineBytes else {
        throw lineTooLong(reader?.number ?? number)
      }
    }
    guard let reader else {
      throw DataFileError("the file holds no data", help: "write one sample per row, e.g. `5.1,3.5,1.4,0.2,0`")
    }
    guard reader.rows > 0 else {
      throw DataFileError(
        "the file holds a header line but no data rows", help: "write one sample per row after the header")
    }
    var table = CSVTable(values: reader.values, rows: reader.rows, columns: reader.columns)
    if let headerCells {
      table.headerLine = reader.firstDataLine - 1
      try apply(header: headerCells, to: &table)
    }
    return table
  }

  /// The error for a line longer than ``maxLineBytes``.
  private static func lineTooLong(_ line: Int) -> DataFileError {
    DataFileError(
      "line \(line) is longer than \(maxLineBytes >> 20) MiB",
      help: "a CSV line holds one sample; check that the file has line ends (`\\n`) and is CSV text")
  }

  /// The range of the first line in `bytes` that is not blank, without its
  /// end, or nil if there is none; advances `number` to its number.
  private static func firstLine(_ bytes: ArraySlice<UInt8>, number: inout Int) -> Range<Int>? {
    var start = bytes.startIndex
    while start < bytes.endIndex {
      let stop = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
      var contentEnd = stop
      if contentEnd > start, bytes[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
      if bytes[start..<contentEnd].contains(where: { $0 != space && $0 != tab }) {
        return start..<contentEnd
      }
      start = stop + 1
      number += 1
    }
    return nil
  }

  /// The cells of the first line as trimmed strings, quotes removed.
  private static func lineCells(_ line: ArraySlice<UInt8>, line number: Int) throws(DataFileError) -> [String] {
    guard line.count <= maxLineBytes else { throw lineTooLong(number) }
    let text = String(decoding: line, as: UTF8.self)
    let cells =
      line.contains(commaByte)
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

  /// Whether the first line, numbered `line`, is a header.
  private static func decide(_ choice: CSVHeader, _ cells: [String], line: Int) throws(DataFileError) -> Bool {
    switch choice {
    case .present: return true
    case .absent: return false
    case .auto:
      guard let isHeader = CSVHeader.isHeader(cells) else {
        let word = cells.first { Float($0) == nil } ?? ""
        let number = cells.first { Float($0) != nil } ?? ""
        throw DataFileError(
          "line \(line) mixes names and numbers (`\(word.prefix(24))`, `\(number.prefix(24))`): is it a header or data?",
          help:
            "say so on the data source: `header: true` when the first row names the columns, `header: false` when it is a sample"
        )
      }
      return isHeader
    }
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

  /// Parses the lines of `block`, which holds whole lines and ends with a
  /// zero terminator.
  private mutating func readRows(_ block: [UInt8]) throws(DataFileError) {
    let failure: DataFileError? = block.withUnsafeBufferPointer { buffer in
      let end = buffer.count - 1
      var position = 0
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
        if cursor - position > Self.maxLineBytes { return Self.lineTooLong(number) }
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
