/// The text of one input file, with the line table needed to turn byte offsets
/// into line and column numbers and to print source lines in diagnostics.
public final class SourceFile: Sendable {
  /// The path as the user wrote it (used verbatim in `path:line:col` output).
  public let path: String
  /// The file's text as UTF-8 bytes.
  public let bytes: [UInt8]
  /// Byte offset of the start of each line.
  private let lineStarts: [Int]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    var starts = [0]
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
    self.lineStarts = starts
  }

  public convenience init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  /// Number of lines (a trailing newline does not start a new line).
  public var lineCount: Int {
    lineStarts.last == bytes.count && bytes.count > 0 ? lineStarts.count - 1 : lineStarts.count
  }

  /// 1-based line and column (columns count Unicode scalars) of a byte offset.
  public func location(ofOffset offset: Int) -> SourceLocation {
    let clamped = max(0, min(offset, bytes.count))
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
    }
    let start = lineStarts[lo]
    var column = 1
    var i = start
    while i < clamped {
      // Count scalars: skip UTF-8 continuation bytes.
      if bytes[i] & 0xC0 != 0x80 { column += 1 }
      i += 1
    }
    return SourceLocation(line: lo + 1, column: column, offset: clamped)
  }

  /// Byte offset of a 1-based line and column, clamped to the file.
  public func offset(line: Int, column: Int) -> Int {
    guard line >= 1 else { return 0 }
    guard line <= lineStarts.count else { return bytes.count }
    var i = lineStarts[line - 1]
    var col = 1
    while col < column, i < bytes.count, bytes[i] != UInt8(ascii: "\n") {
      i += 1
      while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
      col += 1
    }
    return i
  }

  /// The text of a 1-based line, without its newline.
  public func line(_ number: Int) -> String {
    guard number >= 1, number <= lineStarts.count else { return "" }
    let start = lineStarts[number - 1]
    var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
  }
}

/// A 1-based line and column plus the byte offset they stand for.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var offset: Int

  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
  public var description: String { "\(line):\(column)" }
}

/// A half-open range of source text in one file.
public struct SourceSpan: Hashable, Sendable, CustomStringConvertible {
  public var file: SourceFile
  public var start: SourceLocation
  public var end: SourceLocation

  public init(file: SourceFile, start: SourceLocation, end: SourceLocation) {
    self.file = file
    self.start = start
    self.end = max(start, end)
  }

  /// A span covering byte offsets `[from, to)` of `file`.
  public init(file: SourceFile, from: Int, to: Int) {
    self.init(file: file, start: file.location(ofOffset: from), end: file.location(ofOffset: to))
  }

  /// The smallest span covering both spans (which must be in the same file).
  public func merged(with other: SourceSpan) -> SourceSpan {
    SourceSpan(file: file, start: min(start, other.start), end: max(end, other.end))
  }

  public var description: String { "\(file.path):\(start.line):\(start.column)" }

  public static func == (a: SourceSpan, b: SourceSpan) -> Bool {
    a.file === b.file && a.start == b.start && a.end == b.end
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(ObjectIdentifier(file))
    hasher.combine(start)
    hasher.combine(end)
  }
}
