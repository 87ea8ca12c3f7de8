import ArgumentParser
import Foundation
import NetSpec

/// `netspec graph SPEC`: the model graph as Graphviz DOT, SVG or a Mermaid flowchart.
struct GraphCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "graph",
    abstract: "Write a spec's graph as Graphviz DOT, as SVG where `dot` is installed, or as Mermaid.",
    discussion: """
      Each block instance is one box (name, block, output shape, parameters) until --expand \
      opens it; layers show their op with its key attributes and their output shape, coloured \
      by op category; edges carry tensor shapes. \
      Exit codes: 0 success, 1 the spec is invalid, 2 a usage error (an --expand name that \
      matches no layer), an unreadable file, or --format svg without Graphviz.
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case dot, svg, mermaid
  }

  @Argument(help: "The spec file.", completion: .specFile)
  var spec: String

  @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
  var output: String?

  @Option(help: "Output format: dot, svg (runs Graphviz `dot -Tsvg`) or mermaid (a flowchart for Markdown).")
  var format: Format = .dot

  @Option(
    help: ArgumentHelp(
      "Open this block instance or repeat (a layer-name prefix such as `layer1` or `encoder.0`); repeatable.",
      valueName: "name"))
  var expand: [String] = []

  @Flag(help: "Open every block instance.")
  var expandAll = false

  @OptionGroup var specOptions: SpecOptions

  func run() throws {
    let dotPath = format == .svg ? try graphvizPath() : nil
    let loaded = try loadSpec(spec, specOptions)
    let expansion = GraphExpansion(all: expandAll, names: expand)
    let unknown = expansion.unknownNames(in: loaded.graph)
    for (name, help) in unknown {
      Console.printError(
        "error: --expand `\(name)`: no block instance, repeat or layer of \(spec) is named so\n"
          + (help.map { "help: \($0)\n" } ?? "help: `netspec summary \(spec)` lists the layer names\n"))
    }
    guard unknown.isEmpty else { throw ExitCode(2) }
    let bytes: Data
    if format == .mermaid {
      bytes = Data(MermaidExporter(graph: loaded.graph, expansion: expansion).flowchart.utf8)
    } else {
      let title = [loaded.document.name, loaded.document.description].compactMap { $0 }.joined(separator: "\n")
      let source = GraphvizExporter(graph: loaded.graph, title: title.isEmpty ? nil : title, expansion: expansion).dot
      bytes = try dotPath.map { try render(source, with: $0) } ?? Data(source.utf8)
    }
    if let output {
      do {
        try bytes.write(to: URL(fileURLWithPath: output))
      } catch {
        Console.printError("error: cannot write \(output): \(error.localizedDescription)\n")
        throw ExitCode(2)
      }
    } else {
      FileHandle.standardOutput.write(bytes)
    }
  }

  /// The `dot` executable on PATH, or exit 2 with installation advice.
  private func graphvizPath() throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for folder in path.split(separator: ":") {
      let candidate = "\(folder)/dot"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    Console.printError(
      """
      error: --format svg needs Graphviz's `dot`, which is not on PATH
      help: install Graphviz (`apt-get install graphviz`, `brew install graphviz`), or write DOT \
      with --format dot and render it elsewhere

      """)
    throw ExitCode(2)
  }

  /// Runs `dot -Tsvg` on the DOT source and returns the SVG.
  private func render(_ source: String, with dot: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dot)
    process.arguments = ["-Tsvg"]
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read stdout and stderr while writing, so neither pipe fills up and blocks `dot`.
    let group = DispatchGroup()
    nonisolated(unsafe) var svg = Data()
    nonisolated(unsafe) var messages = Data()
    DispatchQueue.global().async(group: group) { svg = output.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { messages = errors.fileHandleForReading.readDataToEndOfFile() }
    input.fileHandleForWriting.write(Data(source.utf8))
    try input.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      Console.printError("error: `dot -Tsvg` failed: \(String(decoding: messages, as: UTF8.self))\n")
      throw ExitCode(2)
    }
    return svg
  }
}
