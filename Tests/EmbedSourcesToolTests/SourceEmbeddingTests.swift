import Foundation
import Testing

@testable import EmbedSourcesTool

/// The generated file holds any text byte for byte: texts that would end a raw
/// string early, start an escape or interpolation, or that a multi-line string
/// literal normalizes (carriage returns) or rejects (control characters).
@Suite struct SourceEmbeddingTests {
  static let awkwardTexts: [String: [String: String]] = [
    "First": [
      "Quotes.swift": "let a = \"\"\"\n  x\n  \"\"\"\nlet b = #\"\"\"\n\\#(a)\n\"\"\"#\n",
      "Hashes.swift": "\"\"\"## ### \\##(x) \"## ####\"\n",
      "Dir/NoNewline.swift": "  indented, no final newline \\",
    ],
    "Second": [
      "Control.swift": "crlf\r\nlone cr\r tab\t nul\u{0} escape\u{1B} del\u{7F}\n\n",
      "Empty.swift": "",
      "Unicode.swift": "// héllo, wörld: ∑ 🙂 \u{2028}\n",
    ],
  ]

  @Test func theDelimiterOutnumbersEveryRunOfHashes() {
    #expect(SourceEmbedding.rawLiteral("a").hasPrefix("#\"\"\"\n"))
    #expect(SourceEmbedding.rawLiteral("a ### b # c").hasPrefix("####\"\"\"\n"))
    #expect(SourceEmbedding.rawLiteral("a ### b # c").hasSuffix("\n\"\"\"####"))
    #expect(SourceEmbedding.rawLiteral("\r\u{0}") == "#\"\"\"\n\\#u{d}\\#u{0}\n\"\"\"#")
  }

  /// Compiles the generated file with a `main.swift` that prints
  /// `embeddedSourceFiles` as JSON, runs it and compares.
  @Test func compiledValueIsTheTextsByteForByte() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("EmbedSourcesToolTests-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let targets = Self.awkwardTexts.map { name, files in
      SourceEmbedding.Target(name: name, files: files.map { ($0.key, $0.value) })
    }
    try SourceEmbedding.render(targets).write(
      to: directory.appendingPathComponent("EmbeddedSourceFiles.swift"), atomically: true, encoding: .utf8)
    try """
    import Foundation
    let json = try JSONEncoder().encode(embeddedSourceFiles)
    FileHandle.standardOutput.write(json)

    """.write(to: directory.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)

    let compile = try run(
      [
        "swiftc", "-swift-version", "6", "-warnings-as-errors", "-o", "embedded", "EmbeddedSourceFiles.swift",
        "main.swift",
      ],
      in: directory)
    try #require(compile.status == 0, "swiftc failed:\n\(String(decoding: compile.output, as: UTF8.self))")
    let result = try run([directory.appendingPathComponent("embedded").path], in: directory)
    try #require(result.status == 0)
    let decoded = try JSONDecoder().decode([String: [String: String]].self, from: result.output)
    // Bytes, not `String ==`, which equates canonically equivalent texts.
    let bytes = { (files: [String: [String: String]]) in files.mapValues { $0.mapValues { Array($0.utf8) } } }
    #expect(bytes(decoded) == bytes(Self.awkwardTexts))
  }

  /// Runs `arguments` (found on PATH) in `directory`: exit status and standard
  /// output and error together.
  func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, output)
  }
}
