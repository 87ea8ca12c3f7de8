import ArgumentParser
import Foundation
import NetSpec

/// `netspec graph SPEC`: the model graph as Graphviz DOT or SVG.
struct GraphCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "graph",
    abstract: "Write a spec's graph as Graphviz DOT, or as SVG where `dot` is installed.",
    discussion: """
      Block instances and repeats are drawn as nested clusters; edges carry tensor shapes. \
      Exit codes: 0 success, 1 the spec is invalid, 2 a usage error, an unreadable file, \
      or --format svg without Graphviz.
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case dot, svg
  }

  @Argument(help: "The spec file.", completion: .specFile)
  var spec: String

  @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
  var output: String?

  @Option(help: "Output format: dot or svg (runs Graphviz `dot -Tsvg`).")
  var format: Format = .dot

  @OptionGroup var specOptions: SpecOptions

  func run() throws {
    let dotPath = format == .svg ? try graphvizPath() : nil
    let loaded = try loadSpec(spec, specOptions)
    let title = [loaded.document.name, loaded.document.description].compactMap { $0 }.joined(separator: "\n")
    let source = GraphvizExporter(graph: loaded.graph, title: title.isEmpty ? nil : title).dot
    let bytes = try dotPath.map { try render(source, with: $0) } ?? Data(source.utf8)
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
