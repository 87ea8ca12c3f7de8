import Foundation
import NetSpecEmbeddedSources

/// How the kernel sources travel inside `netspec`: the `EmbedSources`
/// build-tool plugin (Plugins/EmbedSources) compiles the text of every file of
/// its targets (`Sources/NetSpecKernels`: the GEMM micro-kernel, im2col,
/// activations, the thread pool, the optimizer updates) into the
/// `NetSpecEmbeddedSources` module as `EmbeddedSources.files`, at every build,
/// and `netspec compile` writes them beside each model, `public` removed, so
/// the emitted code runs the very kernels the interpreter runs.
enum KernelSourceEmbedding {
  /// Every embedded file (target by target, then by path), name and text.
  static var files: [(target: String, path: String, text: String)] {
    EmbeddedSources.files.sorted { $0.key < $1.key }.flatMap { target, files in
      files.sorted { $0.key < $1.key }.map { (target, $0.key, $0.value) }
    }
  }

  /// The runtime every emitted model calls, as one file: the kernels and the
  /// training runtime with `public` dropped (they are internal to the
  /// emitted module) and their imports hoisted.
  static func runtimeFile() -> String {
    var out = """
      // NetSpecRuntime.swift: NetSpec's CPU kernels and training runtime, emitted by
      // `netspec compile` for the models beside it. Do not edit.
      //
      // Build with -O and whole-module optimization; for speed add the CPU flags
      // (`-target-cpu native -D NETSPEC_AVX512`, or `-D NETSPEC_FMA` for AVX2).

      import Foundation

      """
    for file in files {
      var text = file.text
      for platformImports in [
        "#if canImport(Glibc)\n  import Glibc\n#elseif canImport(Darwin)\n  import Darwin\n#endif\n"
      ] {
        text = text.replacingOccurrences(of: platformImports, with: "")
      }
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("import ") }
        .map(internalized)
      out += "\n// MARK: - \(file.path)\n\n" + lines.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
    }
    return out
  }

  /// The top-level names the runtime declares (`GEMM`, `ComputePool`,
  /// `SafetensorsArchive`, `TrainingLoop`, ...), which a model type must not take.
  static let declaredNames: Set<String> = {
    var names: Set<String> = ["NetSpecRuntime"]
    let keywords: Set<Substring> = ["struct", "enum", "class", "protocol", "typealias", "func", "let", "var", "actor"]
    for file in files {
      for line in file.text.split(separator: "\n") where !line.hasPrefix(" ") && !line.hasPrefix("//") {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ":" || $0 == "<" || $0 == "=" })
        guard let index = words.firstIndex(where: { keywords.contains($0) }), index + 1 < words.count else { continue }
        names.insert(String(words[index + 1]))
      }
    }
    return names
  }()

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
