import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile input through the real executable, for every command: each run
/// ends with exit code 1 or 2 and a message that names the file (and, for a
/// problem inside a spec, its line and column), never by a signal, within
/// ``CLIRun/deadline`` and ``CLIRun/memoryLimit``.
@Suite("Hostile input, every command")
struct HostileCLITests {
  /// A hostile spec: how to make it, and whether its message has a position.
  struct Spec: Sendable, CustomTestStringConvertible {
    var name: String
    var located: Bool
    var make: @Sendable (CLIFolder, String) throws -> Void
    var testDescription: String { name }
  }

  static let specs: [Spec] = [
    Spec(name: "overflow.yaml", located: true) { folder, path in
      try folder.write(
        path, CLIFixtures.tiny.replacingOccurrences(of: "$width", with: "(-9223372036854775807 - 1) // -1"))
    },
    Spec(name: "remainder.yaml", located: true) { folder, path in
      try folder.write(
        path, CLIFixtures.tiny.replacingOccurrences(of: "$width", with: "9223372036854775806 % 9223372036854775807"))
    },
    Spec(name: "huge-input.yaml", located: true) { folder, path in
      try folder.write(
        path, CLIFixtures.tiny.replacingOccurrences(of: "[N, 4]", with: "[N, 65536, 65536, 65536, 65536, 65536, 65536]")
      )
    },
    Spec(name: "five-mib-line.yaml", located: true) { folder, path in
      try folder.write(path, "netspec: 1\ndescription: " + String(repeating: "x", count: 5 << 20) + "\n")
    },
    Spec(name: "binary.yaml", located: true) { folder, path in
      try folder.write(path, bytes: [0x6E, 0x3A, 0x20, 0x00, 0xFF, 0xFE, 0x0A] + (0..<512).map { UInt8($0 & 0xFF) })
    },
    Spec(name: "fifo.yaml", located: false) { folder, path in
      guard mkfifo(folder.url.appendingPathComponent(path).path, 0o600) == 0 else { throw CLIError("mkfifo") }
    },
    Spec(name: "loop.yaml", located: false) { folder, path in
      let link = folder.url.appendingPathComponent(path).path
      try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: link)
    },
    Spec(name: "nothing.yaml", located: false) { _, _ in },
  ]

  /// Each spec-reading command, with the spec's path in place of `%S`.
  static let commands: [[String]] = [
    ["check", "%S"], ["summary", "%S"], ["graph", "%S"], ["compile", "%S", "-o", "out-%S"],
    ["train", "%S", "-o", "run-%S"],
    ["eval", "%S", "--weights", CLIFixtures.weights],
    ["predict", "%S", "--weights", CLIFixtures.weights, "--input", "samples.csv"],
    ["export", "%S", "--format", "onnx", "-o", "out-%S.onnx"],
  ]

  static func expectContained(_ run: CLIRun, named file: String, located: Bool) {
    #expect(run.signal == nil && !run.timedOut, "\(run)")
    #expect(run.status == 1 || run.status == 2, "\(run)")
    #expect(run.maxResidentBytes < CLIRun.memoryLimit, "\(run)")
    #expect(run.stderr.contains(file), "the message does not name \(file): \(run)")
    if located {
      #expect(run.stderr.contains(try! Regex("\(file):[0-9]+:[0-9]+: error")), "no position: \(run)")
    }
    #expect(run.stderr.utf8.count < 64 << 10, "\(run.stderr.utf8.count) bytes of messages")
  }

  @Test(arguments: specs, commands)
  func hostileSpec(_ spec: Spec, _ command: [String]) throws {
    let shared = try CLIFixtures.folder.get()
    let folder = try CLIFolder()
    for file in ["train.csv", "samples.csv"] {
      try FileManager.default.copyItem(
        at: shared.url.appendingPathComponent(file), to: folder.url.appendingPathComponent(file))
    }
    try FileManager.default.createDirectory(
      at: folder.url.appendingPathComponent("run"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: shared.url.appendingPathComponent(CLIFixtures.weights),
      to: folder.url.appendingPathComponent(CLIFixtures.weights))
    try spec.make(folder, spec.name)
    let run = try folder.run(command.map { $0.replacingOccurrences(of: "%S", with: spec.name) })
    Self.expectContained(run, named: spec.name, located: spec.located)
  }

  /// Sizes that arrive with the data, the command line or the samples.
  @Test func boundSizesPastAnOpLimit() throws {
    let folder = try CLIFixtures.folder.get()
    for arguments in [
      ["summary", "positions.yaml", "--dim", "T=2048"], ["train", "positions.yaml", "-o", "run-positions"],
      ["compile", "positions.yaml", "-o", "out-positions"],
      ["compile", "positions.yaml", "--bind", "T=5", "-o", "out-bind"],
    ] {
      let run = try folder.run(arguments)
      Self.expectContained(run, named: "positions.yaml", located: true)
      #expect(run.stderr.contains("max_length is 4"), "\(run)")
    }
  }

  @Test func tokenIdsPastTheVocabulary() throws {
    let folder = try CLIFixtures.folder.get()
    let run = try folder.run("train", "tokens.yaml", "-o", "run-tokens")
    Self.expectContained(run, named: "tokens.yaml", located: true)
    #expect(run.stderr.contains("holds the token id 9"), "\(run)")
  }

  @Test func overridesThatOverflow() throws {
    let folder = try CLIFixtures.folder.get()
    try folder.write("set.yaml", CLIFixtures.tiny.replacingOccurrences(of: "units: $width", with: "units: $width + 1"))
    for command in ["check", "summary", "graph"] {
      let run = try folder.run(command, "set.yaml", "--set", "width=9223372036854775807")
      Self.expectContained(run, named: "set.yaml", located: true)
      #expect(run.stderr.contains("NS0216"), "\(run)")
    }
  }

  /// Weights and samples that are not what they claim to be.
  @Test func hostileWeightsAndSamples() throws {
    let folder = try CLIFixtures.folder.get()
    try folder.write(
      "samples.npy", bytes: Array("\u{93}NUMPY".utf8) + [1, 0, 0xFF, 0xFF] + Array(repeating: 0x41, count: 64))
    if !FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("samples.fifo").path) {
      mkfifo(folder.url.appendingPathComponent("samples.fifo").path, 0o600)
    }
    let w = CLIFixtures.weights
    for (arguments, file) in [
      (["predict", "tiny.yaml", "--weights", "garbage.safetensors", "--input", "samples.csv"], "garbage.safetensors"),
      (["predict", "tiny.yaml", "--weights", "empty.safetensors", "--input", "samples.csv"], "empty.safetensors"),
      (["eval", "tiny.yaml", "--weights", "garbage.safetensors"], "garbage.safetensors"),
      (["eval", "other.yaml", "--weights", w], w),
      (["predict", "tiny.yaml", "--weights", "/dev/zero", "--input", "samples.csv"], "/dev/zero"),
      (["predict", "tiny.yaml", "--weights", w, "--input", "samples.fifo"], "samples.fifo"),
      (["predict", "tiny.yaml", "--weights", w, "--input", "samples.npy"], "samples.npy"),
      (["predict", "tiny.yaml", "--weights", w, "--input", "wide.csv"], "wide.csv"),
      (
        ["export", "tiny.yaml", "--format", "onnx", "--weights", "garbage.safetensors", "-o", "g.onnx"],
        "garbage.safetensors"
      ),
      (["export", "other.yaml", "--format", "onnx", "--weights", w, "-o", "o.onnx"], w),
    ] {
      Self.expectContained(try folder.run(arguments), named: file, located: false)
    }
  }
}
