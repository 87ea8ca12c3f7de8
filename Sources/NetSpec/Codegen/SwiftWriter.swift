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

  /// Appends `///` documentation lines.
  mutating func doc(_ text: String) {
    for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
      line(part.isEmpty ? "///" : "/// " + part)
    }
  }

  /// The text, ending in a newline.
  var text: String { lines.joined(separator: "\n") + "\n" }
}
