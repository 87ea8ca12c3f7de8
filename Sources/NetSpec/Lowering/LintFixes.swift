import NetSpecDiagnostics

/// Fix-its for the model lints, as edits of the spec's text: delete a layer
/// written on its own line, delete one `key: value` entry of a layer, or set
/// an attribute. Nil when the layout is not one these edits understand (the
/// help line still says what to change).
enum LintFixes {
  /// Deletes the line of a layer written as `- op` or `- op: value` alone.
  static func deleteLayer(_ node: Node, _ message: String) -> FixIt? {
    guard let span = node.span else { return nil }
    let bytes = span.file.bytes
    let (start, end) = line(around: span.start.offset, in: bytes)
    let indent = bytes[start..<end].prefix { $0 == UInt8(ascii: " ") }.count
    // A deeper-indented next line (`repeat:`, `name:`) belongs to the item.
    let (nextStart, nextEnd) = line(around: min(end + 1, bytes.count), in: bytes)
    if nextStart > end, nextEnd > nextStart,
      bytes[nextStart..<nextEnd].prefix(while: { $0 == UInt8(ascii: " ") }).count > indent
    {
      return nil
    }
    guard bytes[(start + indent)...].starts(with: Array("- ".utf8)) else { return nil }
    return FixIt(message, replacing: SourceSpan(file: span.file, from: start, to: min(end + 1, bytes.count)), with: "")
  }

  /// Deletes `key: value` from a layer's flow mapping (`{units: 10, activation: relu}`).
  static func deleteAttribute(_ node: Node, _ key: String, _ message: String) -> FixIt? {
    guard let value = node.attributes.spans[key] else { return nil }
    let bytes = value.file.bytes
    var i = value.start.offset - 1
    while i >= 0, bytes[i] == UInt8(ascii: " ") { i -= 1 }
    guard i >= 0, bytes[i] == UInt8(ascii: ":") else { return nil }
    i -= 1
    while i >= 0, bytes[i] == UInt8(ascii: " ") { i -= 1 }
    let keyStart = i - key.utf8.count + 1
    guard keyStart >= 0, Array(bytes[keyStart...i]) == Array(key.utf8) else { return nil }
    var before = keyStart - 1
    while before >= 0, bytes[before] == UInt8(ascii: " ") { before -= 1 }
    guard before >= 0 else { return nil }
    if bytes[before] == UInt8(ascii: ",") {
      return FixIt(message, replacing: SourceSpan(file: value.file, from: before, to: value.end.offset), with: "")
    }
    guard bytes[before] == UInt8(ascii: "{") else { return nil }
    var after = value.end.offset
    while after < bytes.count, bytes[after] == UInt8(ascii: " ") { after += 1 }
    guard after < bytes.count, bytes[after] == UInt8(ascii: ",") else { return nil }
    after += 1
    while after < bytes.count, bytes[after] == UInt8(ascii: " ") { after += 1 }
    return FixIt(message, replacing: SourceSpan(file: value.file, from: keyStart, to: after), with: "")
  }

  /// Sets `key: value` on a layer: replaces the value when it is written,
  /// else adds the entry at the end of the layer's flow mapping.
  static func setAttribute(_ node: Node, _ key: String, to text: String, _ message: String) -> FixIt? {
    if let value = node.attributes.spans[key] { return FixIt(message, replacing: value, with: text) }
    guard let last = node.attributes.spans.values.max(by: { $0.end.offset < $1.end.offset }) else { return nil }
    let bytes = last.file.bytes
    var i = last.end.offset
    while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
    guard i < bytes.count, bytes[i] == UInt8(ascii: "}") else { return nil }
    return FixIt(message, replacing: SourceSpan(file: last.file, from: i, to: i), with: ", \(key): \(text)")
  }

  /// The start and end (the newline or the end of the text) of the line holding `offset`.
  private static func line(around offset: Int, in bytes: [UInt8]) -> (Int, Int) {
    var start = min(offset, bytes.count)
    while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
    var end = start
    while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
    return (start, end)
  }
}
