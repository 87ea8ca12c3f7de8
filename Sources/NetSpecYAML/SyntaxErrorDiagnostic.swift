import NetSpecDiagnostics

extension LibYAMLError {
  /// The error as a diagnostic at libyaml's problem position, with what libyaml
  /// was doing as a secondary label and, for the common mistakes, a fix.
  func diagnostic(in file: SourceFile) -> Diagnostic {
    let bytes = file.bytes
    let character = problemOffset < bytes.count ? bytes[problemOffset] : nil
    let span = SourceSpan(
      file: file, from: problemOffset, to: scalarEnd(after: problemOffset, in: bytes))

    if stage == .reader {
      var message = problem
      if let problemValue, problem.hasPrefix("control characters") {
        message = "control character U+\(hex(problemValue)) is not allowed"
      }
      var diagnostic = Diagnostic(.invalidEncoding, at: span, message)
      if problemValue == 0 {
        diagnostic = diagnostic.help(
          "the file contains a NUL byte; is it a binary file, or UTF-16 without a byte order mark?")
      }
      return diagnostic.help("save the file as UTF-8 text")
    }

    var diagnostic = Diagnostic(.yamlSyntax, at: span, problem)
    if let context, let contextOffset, contextOffset != problemOffset {
      diagnostic = diagnostic.label(
        SourceSpan(file: file, from: contextOffset, to: scalarEnd(after: contextOffset, in: bytes)),
        context)
    }
    if let help = indexInFlowHelp(character: character, bytes: bytes) ?? help(character: character) {
      diagnostic = diagnostic.help(help)
    }
    return diagnostic
  }

  /// For `{dilation: $d[$index]}`: YAML ends a plain value at `[` inside a flow
  /// collection, so an indexed variable there reads as a variable followed by a
  /// list, which libyaml reports as a missing `,`. The fix is block style.
  private func indexInFlowHelp(character: UInt8?, bytes: [UInt8]) -> String? {
    guard character == UInt8(ascii: "["), problem.hasPrefix("did not find expected ','") else { return nil }
    var start = problemOffset
    func isNamePart(_ byte: UInt8) -> Bool {
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }
    while start > 0, isNamePart(bytes[start - 1]) { start -= 1 }
    guard start > 0, start < problemOffset, bytes[start - 1] == UInt8(ascii: "$") else { return nil }
    // The whole `$name[...]` and, when it is a mapping value, its key.
    var end = problemOffset
    while end < bytes.count, bytes[end] != UInt8(ascii: "]"), bytes[end] != UInt8(ascii: "\n") { end += 1 }
    let value = String(decoding: bytes[(start - 1)..<min(end + 1, bytes.count)], as: UTF8.self)
    var keyEnd = start - 1
    while keyEnd > 0, bytes[keyEnd - 1] == UInt8(ascii: " ") { keyEnd -= 1 }
    var key = "key"
    if keyEnd > 0, bytes[keyEnd - 1] == UInt8(ascii: ":") {
      var keyStart = keyEnd - 1
      while keyStart > 0, isNamePart(bytes[keyStart - 1]) { keyStart -= 1 }
      if keyStart < keyEnd - 1 { key = String(decoding: bytes[keyStart..<(keyEnd - 1)], as: UTF8.self) }
    }
    return "YAML ends a plain value at `[` inside `{...}` and `[...]`, so `\(value)` cannot be read here; "
      + "write the entry in block style, on a line of its own: `\(key): \(value)`"
  }

  /// A fix for the mistakes people make most, recognised from libyaml's text.
  private func help(character: UInt8?) -> String? {
    if character == UInt8(ascii: "\t") || problem.contains("tab character") {
      return "YAML indents with spaces; replace the tab with spaces"
    }
    if context == "while scanning a quoted scalar" {
      return "the quoted string is never closed; add the closing quote"
    }
    if problem == "found character that cannot start any token",
      let character, character == UInt8(ascii: "@") || character == UInt8(ascii: "`")
    {
      return "`@` and `` ` `` cannot start a plain value; put the value in quotes"
    }
    if let character, character == UInt8(ascii: "]") || character == UInt8(ascii: "}") {
      return "this closing bracket has no opening bracket; remove it or add the opening one"
    }
    switch problem {
    case "mapping values are not allowed in this context":
      return "check the indentation of this line, or put a value containing `: ` in quotes "
        + "(`\"a: b\"`)"
    case "did not find expected key":
      return "check the indentation: the keys of one mapping must start in the same column"
    case "did not find expected '-' indicator":
      return "check the indentation: the items of one list must start with `- ` in the same column"
    case "could not find expected ':'":
      return "a key must be followed by `:` and a space"
    case "block sequence entries are not allowed in this context":
      return "start the list on a new line, indented, or write it in brackets: `[a, b]`"
    case "did not find expected ',' or ']'":
      return "separate list items with `,` and close the list with `]`"
    case "did not find expected ',' or '}'":
      return "separate mapping entries with `,` and close the mapping with `}`"
    case "found incompatible YAML document":
      return "NetSpec reads YAML 1.1 and 1.2; remove the `%YAML` line"
    case "found undefined tag handle":
      return "tags are not supported in NetSpec specs; remove the `!` tag"
    default:
      return nil
    }
  }

  /// The offset just past the Unicode scalar starting at `offset`, for a
  /// one-character caret; `offset` itself at a line break or the end of the file.
  private func scalarEnd(after offset: Int, in bytes: [UInt8]) -> Int {
    guard offset < bytes.count, bytes[offset] != UInt8(ascii: "\n"), bytes[offset] != UInt8(ascii: "\r")
    else { return offset }
    var end = offset + 1
    while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
    return end
  }

  private func hex(_ value: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
