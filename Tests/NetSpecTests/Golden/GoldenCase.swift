import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecYAML
import Testing

/// One golden diagnostics case: an input whose diagnostics are pinned, exactly,
/// by `Cases/<name>.txt` (the human rendering) and `Cases/<name>.json` (the JSON
/// rendering).
///
/// The name starts with the code the case exists for (`NS0206-unknown-op`).
/// Most cases are spec files, `Cases/<name>.yaml`; the few whose input cannot be a
/// small file in the repository (a missing path, a directory, a file over the size
/// limit) are generated in code (``GoldenGeneratedCase``).
struct GoldenCase: Sendable, Hashable, CustomTestStringConvertible {
  var name: String
  var isGenerated: Bool

  /// The code id the name starts with, e.g. `NS0206`.
  var codeID: String { String(name.prefix { $0 != "-" }) }

  var testDescription: String { name }

  /// The case's golden human rendering.
  var textURL: URL { Golden.casesDirectory.appendingPathComponent("\(name).txt") }
  /// The case's golden JSON rendering.
  var jsonURL: URL { Golden.casesDirectory.appendingPathComponent("\(name).json") }
  /// The case's spec file (for cases that are not generated).
  var yamlURL: URL { Golden.casesDirectory.appendingPathComponent("\(name).yaml") }

  /// The diagnostics of the case, sorted as the tool prints them, and the
  /// (absolute, machine-dependent) paths to replace in their rendering. Computed
  /// once per test run: several tests look at every case.
  func run() throws -> GoldenOutcome {
    if let outcome = Golden.cache.outcome(of: name) { return outcome }
    let outcome = try compute()
    Golden.cache.store(outcome, for: name)
    return outcome
  }

  private func compute() throws -> GoldenOutcome {
    if isGenerated {
      guard let generated = GoldenGeneratedCase.every.first(where: { $0.name == name }) else {
        throw GoldenError("no generated case named \(name)")
      }
      return try generated.run()
    }
    let bytes = try [UInt8](Data(contentsOf: yamlURL))
    let options = try Golden.options(fromHeaderOf: bytes)
    let file = SourceFile(path: "Cases/\(name).yaml", bytes: bytes)
    var bag = DiagnosticBag()
    let checked = Frontend.check(file, options: options, &bag)
    // Export cases run `netspec export --format onnx` on the checked spec.
    if let checked, codeID == DiagnosticCode.noONNXForm.id {
      let weights = ExportedWeights.initial(checked).values
      _ = ONNXExporter.export(checked, weights: weights, options: ONNXExportOptions(producerVersion: ""), &bag)
    }
    return GoldenOutcome(diagnostics: bag.sorted)
  }
}

/// What a case produced.
struct GoldenOutcome: Sendable {
  var diagnostics: [Diagnostic]
  /// `(absolute path, placeholder)` pairs substituted in the rendered output, so
  /// that golden files do not depend on the machine.
  var replacements: [(String, String)] = []

  /// The human rendering, without colour, as `netspec check` prints it (minus
  /// the closing summary line).
  var text: String { replacing(HumanRenderer(colored: false).render(diagnostics)) }

  /// The JSON rendering, as `netspec check --format json` prints it.
  var json: String { replacing(JSONRenderer().render(diagnostics)) }

  private func replacing(_ rendered: String) -> String {
    replacements.reduce(rendered) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
  }
}

/// Outcomes of the cases run so far, by case name.
final class GoldenOutcomeCache: @unchecked Sendable {
  private let lock = NSLock()
  private var outcomes: [String: GoldenOutcome] = [:]

  func outcome(of name: String) -> GoldenOutcome? {
    lock.withLock { outcomes[name] }
  }

  func store(_ outcome: GoldenOutcome, for name: String) {
    lock.withLock { outcomes[name] = outcome }
  }
}

struct GoldenError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Where the golden files are and how they are compared or rewritten.
enum Golden {
  /// `Tests/NetSpecTests/Golden`, found from this source file.
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  /// `Tests/NetSpecTests/Golden/Cases`.
  static let casesDirectory = directory.appendingPathComponent("Cases")
  /// The repository root.
  static let repositoryRoot = directory.deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static let cache = GoldenOutcomeCache()

  /// True when `NETSPEC_UPDATE_GOLDEN=1`: golden files are rewritten, not compared.
  static var isUpdating: Bool { ProcessInfo.processInfo.environment["NETSPEC_UPDATE_GOLDEN"] == "1" }

  /// Every case: the spec files in `Cases/`, then the generated cases, by name.
  static let cases: [GoldenCase] = {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: casesDirectory.path)) ?? []
    let specs = files.filter { $0.hasSuffix(".yaml") }.map {
      GoldenCase(name: String($0.dropLast(5)), isGenerated: false)
    }
    let generated = GoldenGeneratedCase.every.map { GoldenCase(name: $0.name, isGenerated: true) }
    return (specs + generated).sorted { $0.name < $1.name }
  }()

  /// Options from the spec's optional first-line header, which holds the
  /// command-line arguments the case runs with:
  ///
  /// ```yaml
  /// # args: --set classes=10
  /// ```
  ///
  /// Only `--set name=value` (or `--set=name=value`) and `--error-limit N` are
  /// accepted.
  static func options(fromHeaderOf bytes: [UInt8]) throws -> FrontendOptions {
    var options = FrontendOptions()
    let firstLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    let marker = "# args:"
    guard firstLine.hasPrefix(marker) else { return options }
    var arguments = firstLine.dropFirst(marker.count).split(separator: " ").map(String.init)[...]
    while let argument = arguments.popFirst() {
      let value: String
      if argument == "--error-limit", let next = arguments.popFirst(), let limit = Int(next), limit > 0 {
        options.errorLimit = limit
        continue
      } else if argument == "--set", let next = arguments.popFirst() {
        value = next
      } else if argument.hasPrefix("--set=") {
        value = String(argument.dropFirst("--set=".count))
      } else {
        throw GoldenError(
          "unsupported argument `\(argument)` in `\(firstLine)`; only `--set name=value` and `--error-limit N` are")
      }
      guard let (name, kind) = Frontend.parseOverride(value) else {
        throw GoldenError("`--set \(value)` is not `name=value`")
      }
      options.overrides[name] = kind
    }
    return options
  }

  /// Compares `actual` with the golden file at `url`, or rewrites the file when
  /// updating. A mismatch is one issue naming the first differing line.
  static func compare(
    _ actual: String, with url: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    if isUpdating {
      do {
        try Data(actual.utf8).write(to: url)
      } catch {
        Issue.record("cannot write \(url.path): \(error)", sourceLocation: sourceLocation)
      }
      return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      let message =
        "no golden file \(url.lastPathComponent); create it with `NETSPEC_UPDATE_GOLDEN=1 swift test --filter Golden`\n"
        + "the output is:\n\(actual)"
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: data, as: UTF8.self)
    guard actual != expected else { return }
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let index = zip(actualLines, expectedLines).prefix { $0 == $1 }.count
    func line(_ lines: [Substring]) -> String { index < lines.count ? "`\(lines[index])`" : "(end of output)" }
    Issue.record(
      """
      \(url.lastPathComponent) differs at line \(index + 1):
        expected: \(line(expectedLines))
        actual:   \(line(actualLines))
      If the change is intended, rewrite the golden files with
      `NETSPEC_UPDATE_GOLDEN=1 swift test --filter Golden` and review the diff.
      The whole output is:
      \(actual)
      """,
      sourceLocation: sourceLocation)
  }
}

/// A case whose input is built in code rather than read from `Cases/`: file-level
/// problems (a missing path, a directory, a file over the size limit) and inputs
/// too large to keep in the repository. Its golden `.txt` and `.json` files live
/// in `Cases/` like the others.
struct GoldenGeneratedCase: Sendable {
  var name: String
  var run: @Sendable () throws -> GoldenOutcome

  static let all: [GoldenGeneratedCase] = [
    // `netspec check Cases/NS0001-no-such-file.yaml`: the path names nothing.
    GoldenGeneratedCase(name: "NS0001-no-such-file") {
      let path = Golden.casesDirectory.appendingPathComponent("NS0001-no-such-file.yaml").path
      var bag = DiagnosticBag()
      _ = Frontend.load(path: path, &bag)
      return GoldenOutcome(diagnostics: bag.sorted, replacements: [(Golden.casesDirectory.path, "Cases")])
    },
    // `netspec check Cases`: a directory instead of a spec file.
    GoldenGeneratedCase(name: "NS0001-directory") {
      var bag = DiagnosticBag()
      _ = Frontend.load(path: Golden.casesDirectory.path, &bag)
      return GoldenOutcome(diagnostics: bag.sorted, replacements: [(Golden.casesDirectory.path, "Cases")])
    },
    // `netspec check $TMPDIR/big.yaml` where the file is one byte over 4 MiB.
    GoldenGeneratedCase(name: "NS0002-file-over-limit") {
      let folder = try Golden.temporaryFolder()
      defer { try? FileManager.default.removeItem(at: folder) }
      let url = folder.appendingPathComponent("big.yaml")
      try Data(Golden.oversizedSpec().utf8).write(to: url)
      var bag = DiagnosticBag()
      _ = Frontend.load(path: url.path, &bag)
      return GoldenOutcome(diagnostics: bag.sorted, replacements: [(folder.path, "$TMPDIR")])
    },
    // The same text handed to `Frontend.check` directly (the API, not the CLI).
    GoldenGeneratedCase(name: "NS0002-text-over-limit") {
      Golden.check(Golden.oversizedSpec(), as: "NS0002-text-over-limit")
    },
    // A spec listing 100,000 numbers, one per line: more nodes than the limit.
    GoldenGeneratedCase(name: "NS0002-too-many-nodes") {
      let text =
        "netspec: 1\nname: lookup\nvars:\n  table:\n"
        + String(repeating: "    - 0\n", count: 100_000)
        + "inputs:\n  x: [N, 64]\nlayers:\n  - dense: 10\n"
      return Golden.check(text, as: "NS0002-too-many-nodes")
    },
    // A description of 1,100 lines of 64 characters: over the 64 KiB scalar limit.
    GoldenGeneratedCase(name: "NS0107-scalar-too-long") {
      let line = "  " + String(repeating: "A long description. ", count: 3) + "Yes.\n"
      let text =
        "netspec: 1\nname: verbose\ndescription: >\n"
        + String(repeating: line, count: 1_100)
        + "inputs:\n  x: [N, 64]\nlayers:\n  - dense: 10\n"
      return Golden.check(text, as: "NS0107-scalar-too-long")
    },
    // `netspec export --format pytorch` of a spec with a layer named as an
    // nn.Module attribute.
    GoldenGeneratedCase(name: "NS0720-reserved-layer-name") {
      Golden.exportPyTorch(
        """
        netspec: 1
        name: sums
        inputs:
          sequence: [N, T, 2]
        layers:
          - lstm: {hidden: 8, returns: last, name: train}
          - dense: {units: 1, name: sum}

        """, as: "NS0720-reserved-layer-name")
    },
    // `netspec export --format pytorch` of a spec trained on synthetic data (a warning).
    GoldenGeneratedCase(name: "NS0720-synthetic-data") {
      Golden.exportPyTorch(
        """
        netspec: 1
        name: sums
        inputs:
          sequence: [N, T, 2]
        layers:
          - lstm: {hidden: 8, returns: last}
          - dense: {units: 1, name: sum}
        train:
          loss: mse
        data:
          train: {synthetic: {task: adding, samples: 100, length: 5}}

        """, as: "NS0720-synthetic-data")
    },
    // `netspec import $TMPDIR/model.onnx -o out`: bytes that are not a protobuf.
    GoldenGeneratedCase(name: "NS0750-malformed-model") {
      let path = try ONNXTestModels.write(Array("not a model".utf8) + [0xFF, 0xFF, 0xFF], name: "model.onnx")
      return Golden.importing(path)
    },
    // `netspec import $TMPDIR/model.onnx -o out`: two chained `Erf` nodes.
    GoldenGeneratedCase(name: "NS0751-unsupported-op") {
      let nodes = [
        ONNXTestModels.node("Erf", "/gelu/Erf", ["x"], ["a"]), ONNXTestModels.node("Erf", "/gelu/Erf_1", ["a"], ["y"]),
      ]
      return Golden.importing(try ONNXTestModels.write(ONNXTestModels.model(nodes), name: "model.onnx"))
    },
  ]
}

extension Golden {
  /// The diagnostics of `netspec import` on the model at `path` (in a temporary folder).
  static func importing(_ path: String) -> GoldenOutcome {
    let folder = (path as NSString).deletingLastPathComponent
    defer { try? FileManager.default.removeItem(atPath: folder) }
    do {
      _ = try ONNXImporter.importModel(at: path, name: "model")
      return GoldenOutcome(diagnostics: [])
    } catch {
      return GoldenOutcome(diagnostics: error.diagnostics, replacements: [(folder, "$TMPDIR")])
    }
  }

  /// A fresh folder under the temporary directory.
  static func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("netspec-golden-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.resolvingSymlinksInPath()
  }

  /// A valid spec padded with comment lines to one byte over the 4 MiB file limit.
  static func oversizedSpec() -> String {
    let spec = "netspec: 1\nname: padded\ninputs:\n  x: [N, 64]\nlayers:\n  - dense: 10\n"
    let limit = YAMLLimits.default.maxFileBytes
    let comment = "# " + String(repeating: "padding ", count: 7) + "\n"  // 59 bytes
    var text = spec + String(repeating: comment, count: (limit - spec.utf8.count) / comment.utf8.count)
    text += String(repeating: "#", count: limit + 1 - text.utf8.count)
    return text
  }

  /// The diagnostics of `text` checked as the spec file `Cases/<name>.yaml`.
  /// The diagnostics of checking `text` and exporting it with `--format pytorch`.
  static func exportPyTorch(_ text: String, as name: String) -> GoldenOutcome {
    var bag = DiagnosticBag()
    if let spec = Frontend.check(SourceFile(path: "Cases/\(name).yaml", text: text), &bag) {
      _ = PyTorchExport.project(spec, dataDirectory: "Cases", &bag)
    }
    return GoldenOutcome(diagnostics: bag.sorted)
  }

  static func check(_ text: String, as name: String) -> GoldenOutcome {
    var bag = DiagnosticBag()
    _ = Frontend.check(SourceFile(path: "Cases/\(name).yaml", text: text), &bag)
    return GoldenOutcome(diagnostics: bag.sorted)
  }
}
