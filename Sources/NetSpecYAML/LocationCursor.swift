import NetSpecDiagnostics

/// Turns byte offsets into ``NetSpecDiagnostics/SourceLocation``s in amortized
/// constant time when offsets mostly increase, as they do for a parse.
///
/// `SourceFile.location(ofOffset:)` walks from the start of the line to count
/// columns, which is quadratic for a long single-line document (a hostile 4 MiB
/// flow list would take minutes). The cursor remembers the last location and walks
/// forward from it; it agrees with `SourceFile` exactly (lines break at LF,
/// columns count Unicode scalars) and falls back to it for offsets behind it.
struct LocationCursor {
  let file: SourceFile
  private var last = SourceLocation(line: 1, column: 1, offset: 0)

  init(file: SourceFile) { self.file = file }

  /// The location of byte `offset` (clamped to the file).
  mutating func location(ofOffset offset: Int) -> SourceLocation {
    let target = max(0, min(offset, file.bytes.count))
    guard target >= last.offset else { return file.location(ofOffset: target) }
    var line = last.line
    var column = last.column
    file.bytes.withUnsafeBufferPointer { bytes in
      for offset in last.offset..<target {
        if bytes[offset] == UInt8(ascii: "\n") {
          line += 1
          column = 1
        } else if bytes[offset] & 0xC0 != 0x80 {
          column += 1
        }
      }
    }
    last = SourceLocation(line: line, column: column, offset: target)
    return last
  }

  /// The span of bytes `[start, end)`.
  mutating func span(from start: Int, to end: Int) -> SourceSpan {
    let startLocation = location(ofOffset: start)
    return SourceSpan(file: file, start: startLocation, end: location(ofOffset: max(start, end)))
  }
}
