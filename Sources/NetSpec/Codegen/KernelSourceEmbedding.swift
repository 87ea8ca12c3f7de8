import Foundation

/// How the kernel sources travel inside `netspec`: `KernelSources.swift` holds
/// the text of every file in `Sources/NetSpecKernels` (the GEMM micro-kernel,
/// im2col, activations, the thread pool, the optimizer updates), and
/// `netspec compile` writes them beside each model, `public` removed, so the
/// emitted code runs the very kernels the interpreter runs. A test keeps the
/// embedded copy equal to the sources.
enum KernelSourceEmbedding {
  /// The Swift file embedding `files` (name and text, sorted by name).
  static func render(_ files: [(name: String, text: String)]) -> String {
    var out = """
      // KernelSources.swift: the sources of Sources/NetSpecKernels, which `netspec compile`
      // writes beside every model. Generated: regenerate with
      // `NETSPEC_UPDATE_GOLDEN=1 swift test --filter KernelSourceTests`. Do not edit.

      /// The kernel sources by file name (see ``KernelSourceEmbedding``).
      enum KernelSources {
        static let files: [(name: String, text: String)] = [

      """
    for file in files.sorted(by: { $0.name < $1.name }) {
      out += "    (\n      \(SwiftNames.stringLiteral(file.name)),\n      ###\"\"\"\n"
      out += file.text.hasSuffix("\n") ? file.text : file.text + "\n"
      out += "\"\"\"###\n    ),\n"
    }
    out += "  ]\n}\n"
    return out
  }

  /// The kernel files as emitted: a header line, then the source with
  /// `public` dropped from declarations (the kernels are internal to the
  /// emitted module).
  static func emittedFiles() -> [(name: String, text: String)] {
    KernelSources.files.map { file in
      let lines = file.text.split(separator: "\n", omittingEmptySubsequences: false).map(internalized)
      return (
        file.name,
        "// \(file.name): NetSpec's CPU kernels, emitted by `netspec compile`. Do not edit.\n\n"
          + lines.joined(separator: "\n") + "\n"
      )
    }
  }

  /// `line` without a `public` modifier on a declaration.
  private static func internalized(_ line: Substring) -> String {
    let trimmed = line.drop { $0 == " " }
    guard !trimmed.hasPrefix("//") else { return String(line) }
    let indent = line.prefix { $0 == " " }
    var rest = String(trimmed)
    // Attributes such as `@inline(__always)` may come first.
    var attributes = ""
    while rest.hasPrefix("@"), let space = rest.firstIndex(of: " ") {
      attributes += rest[...space]
      rest = String(rest[rest.index(after: space)...])
    }
    guard rest.hasPrefix("public ") else { return String(line) }
    return indent + attributes + rest.dropFirst("public ".count)
  }
}
