import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec check SPEC...`: validate specs, for people and for CI.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate specs: syntax, names, attributes, shapes and `expect:`.",
    discussion: """
      With --dim T=50, also checks every layer at that size of a shape symbol. \
      Exit codes: 0 all valid, 1 some spec is invalid (or has a warning, with \
      --warnings-as-errors), 2 a file cannot be read.
      """)

  @Argument(help: "Spec files to check.", completion: .specFile)
  var specs: [String]

  @Option(help: "Diagnostic format: text, json, github or sarif.")
  var format: DiagnosticFormat = .text

  @Flag(name: .shortAndLong, help: "Print nothing for valid specs.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "Where SARIF rules' helpUri points: docs/DIAGNOSTICS.md, as a URL of your copy or repository-relative.",
      valueName: "uri"))
  var helpBase = "docs/DIAGNOSTICS.md"

  @Flag(help: "Report warnings (unused layers, model lints) as errors, and fail on them; for CI.")
  var warningsAsErrors = false

  @OptionGroup var dimOptions: DimOptions

  @OptionGroup var specOptions: SpecOptions

  func run() throws {
    let options = try specOptions.frontendOptions()
    let bindings = try dimOptions.bindings()
    var all = DiagnosticBag()
    var okLines: [String] = []
    for path in specs {
      var diagnostics = DiagnosticBag()
      let loaded = Frontend.load(path: path, options: options, &diagnostics)
      if let loaded, !bindings.isEmpty, !diagnostics.hasErrors {
        let symbols = ModelSummary.symbols(of: loaded.graph).map(\.symbol)
        try dimOptions.requireKnown(bindings, symbols: symbols, spec: path)
        if let violation = loaded.graph.violation(at: bindings, from: "--dim") { diagnostics.append(violation) }
      }
      if let spec = loaded, !diagnostics.hasErrors, !warningsAsErrors || diagnostics.warningCount == 0 {
        // Control characters in a name would break the one-line report.
        let name =
          spec.document.name.map { " " + String($0.map { $0.isNewline || ($0.asciiValue ?? 32) < 32 ? "?" : $0 }) }
          ?? ""
        okLines.append("ok   \(path)\(name): \(spec.graph.parameterCount.formatted()) parameters")
      }
      all.append(contentsOf: diagnostics.diagnostics.map(promoted))
    }
    switch format {
    case .text:
      if !quiet, !okLines.isEmpty { print(okLines.joined(separator: "\n")) }
      Console.report(all, color: specOptions.color)
      let summary = DiagnosticSummary(all.diagnostics)
      if summary.errors + summary.warnings > 0 {
        Console.printError(summaryLine(summary, files: specs.count) + "\n")
      }
    case .sarif:
      let renderer = SARIFRenderer(toolVersion: NetSpecCommand.version, helpBase: helpBase)
      print(renderer.render(all.sorted), terminator: "")
    default:
      print(format.renderer().render(all.sorted), terminator: "")
    }
    let code = Console.exitCode(for: all)
    if code != 0 { throw ExitCode(code) }
  }

  /// A warning as an error under `--warnings-as-errors`, in every format.
  private func promoted(_ diagnostic: Diagnostic) -> Diagnostic {
    guard warningsAsErrors, diagnostic.severity == .warning else { return diagnostic }
    var error = diagnostic
    error.severity = .error
    return error
  }

  private func summaryLine(_ summary: DiagnosticSummary, files: Int) -> String {
    func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    return "\(count(summary.errors, "error")), \(count(summary.warnings, "warning")) in \(count(files, "file")) checked"
  }
}

extension DiagnosticFormat: ExpressibleByArgument {}

extension Int {
  /// `61,706`
  func formatted() -> String {
    let digits = String(abs(self))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
      if i > 0, i % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (self < 0 ? "-" : "") + String(out.reversed())
  }
}
