/// Builds Swift source line by line with two-space indentation.
struct SwiftWriter {
  private(set) var lines: [String] = []
  private var depth = 0

  /// Appends one line (or several, split at newlines) at the current indentation.
  mutating func line(_ text: String = "") {
    for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lines.append(part.isEmpty ? "" : String(repeating: "  ", count: depth) + part)
    }
  }

  /// Appends `header {`, the body one level deeper, then `}` (plus `trailer`).
  mutating func block(_ header: String, trailer: String = "", _ body: (inout SwiftWriter) -> Void) {
    line(header + " {")
    depth += 1
    body(&self)
    depth -= 1
    line("}" + trailer)
  }

  /// Appends `opening` (which opens a brace, e.g. `pool.parallelRanges(n) { planes in`),
  /// the body one level deeper, then `}`.
  mutating func closure(_ opening: String, _ body: (inout SwiftWriter) -> Void) {
    line(opening)
    depth += 1
    body(&self)
    depth -= 1
    line("}")
  }

  /// Appends the lines `body` writes one level deeper.
  mutating func indented(_ body: (inout SwiftWriter) -> Void) {
    depth += 1
    body(&self)
    depth -= 1
  }

  /// Appends one call `function(label: value, ...)`: on one line when it is
  /// short, else with its arguments wrapped one level deeper. With `trailing`
  /// (e.g. `{ plane, y in`), the call ends in a trailing closure whose
  /// statements `body` writes.
  mutating func call(
    _ function: String, _ arguments: KeyValuePairs<String, String>, trailing: String? = nil,
    _ body: (inout SwiftWriter) -> Void = { _ in }
  ) {
    // Emitted steps sit two levels deeper than the writer's own indentation.
    let width = 116 - 2 * depth
    let parts = arguments.map { $0.key.isEmpty ? $0.value : "\($0.key): \($0.value)" }
    let end = trailing.map { ") " + $0 } ?? ")"
    let single = "\(function)(\(parts.joined(separator: ", "))\(end)"
    if single.count <= width {
      line(single)
    } else {
      line(function + "(")
      var current = ""
      for (i, part) in parts.enumerated() {
        let piece = part + (i == parts.count - 1 ? "" : ",")
        if !current.isEmpty, 2 + current.count + 1 + piece.count > width {
          line("  " + current)
          current = piece
        } else {
          current += (current.isEmpty ? "" : " ") + piece
        }
      }
      if trailing == nil {
        line("  " + current + end)
      } else {
        line("  " + current)
        line(end)
      }
    }
    guard trailing != nil else { return }
    indented(body)
    line("}")
  }

  /// Appends `///` documentation lines.
  mutating func doc(_ text: String) {
    for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
      line(part.isEmpty ? "///" : "/// " + part)
    }
  }

  /// The text, ending in a newline.
  var text: String { lines.joined(separator: "\n") + "\n" }
}
