import Foundation

/// The Swift file that holds the text of some targets' source files, as the
/// `EmbedSources` build-tool plugin writes it.
///
/// Each text is one multi-line raw string literal whose delimiter has one `#`
/// more than the longest run of `#` in the text, so nothing in the text can
/// close the literal or start an escape or interpolation. The few characters a
/// multi-line literal cannot hold verbatim (a carriage return, which the
/// compiler would turn into a line feed, and the other control characters
/// except tab and line feed, which it rejects) are written as `\#u{...}`
/// escapes, so the literal's value is the file's text byte for byte.
enum SourceEmbedding {
  /// One target's files: paths relative to the target's directory, and texts.
  struct Target {
    var name: String
    var files: [(path: String, text: String)]
  }

  /// The generated file: `let embeddedSourceFiles`, `[target: [path: text]]`.
  static func render(_ targets: [Target]) -> String {
    let names = targets.map(\.name).sorted()
    var out = """
      // EmbeddedSourceFiles.swift: the text of every Swift file of \(names.joined(separator: ", ")),
      // written at build time by the EmbedSources plugin (Plugins/EmbedSources). Do not edit.

      /// The sources by target name, then by path in the target's directory.
      let embeddedSourceFiles: [String: [String: String]] = [

      """
    for target in targets.sorted(by: { $0.name < $1.name }) {
      out += "  \(quoted(target.name)): [\n"
      for file in target.files.sorted(by: { $0.path < $1.path }) {
        out += "    \(quoted(file.path)):\n" + rawLiteral(file.text) + ",\n"
      }
      out += "  ],\n"
    }
    out += "]\n"
    return out
  }

  /// A multi-line raw string literal whose value is `text`, its delimiters in
  /// the first column (so no indentation is stripped).
  static func rawLiteral(_ text: String) -> String {
    var longestRun = 0
    var run = 0
    for scalar in text.unicodeScalars {
      run = scalar == "#" ? run + 1 : 0
      longestRun = max(longestRun, run)
    }
    let hashes = String(repeating: "#", count: longestRun + 1)
    var body = ""
    for scalar in text.unicodeScalars {
      if (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || scalar.value == 0x7F {
        body += "\\\(hashes)u{\(String(scalar.value, radix: 16))}"
      } else {
        body.unicodeScalars.append(scalar)
      }
    }
    return "\(hashes)\"\"\"\n\(body)\n\"\"\"\(hashes)"
  }

  /// `text` as an ordinary string literal (for names and paths).
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"", "\\": out += "\\" + String(scalar)
      case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
