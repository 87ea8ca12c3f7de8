import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec summary SPEC`: layers, parameters, FLOPs and memory at a batch size.
struct Summary: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a spec's layers, output shapes, parameters, FLOPs and memory estimate.",
    discussion: """
      Shapes stay symbolic; FLOPs and memory are evaluated with N = --batch (default 1) \
      and the values given with --dim for other symbols (e.g. --dim T=50). \
      See docs/SUMMARY.md for the formulas and the JSON schema. \
      Exit codes: 0 success, 1 the spec is invalid, 2 a usage error (such as an unbound \
      symbol) or an unreadable file.
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  @Argument(help: "The spec file.", completion: .specFile)
  var spec: String

  @Option(parsing: .unconditional, help: "Batch size: the value of the symbol N.")
  var batch: Int?

  @OptionGroup var dimOptions: DimOptions

  @Option(help: "Output format: text or json.")
  var format: Format = .text

  @OptionGroup var specOptions: SpecOptions

  /// The symbol `--batch` binds.
  static let batchSymbol = DimOptions.batchSymbol

  func validate() throws {
    if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
  }

  func run() throws {
    var bindings = try dimOptions.bindings()
    let loaded = try loadSpec(spec, specOptions)
    let symbols = ModelSummary.symbols(of: loaded.graph).map(\.symbol)
    try dimOptions.requireKnown(bindings, symbols: symbols, spec: spec)
    if batch != nil, !symbols.contains(Self.batchSymbol) {
      Console.printError("note: the shapes of \(spec) have no symbol \(Self.batchSymbol); --batch has no effect\n")
    }
    if let violation = loaded.graph.violation(at: bindings, from: "--dim") {
      var bag = DiagnosticBag()
      bag.append(violation)
      Console.report(bag, color: specOptions.color)
      throw ExitCode.invalid
    }
    bindings[Self.batchSymbol] = batch ?? 1
    let summary: ModelSummary
    do {
      summary = try ModelSummary(loaded, bindings: bindings)
    } catch .unboundSymbols(let uses) {
      let hints = uses.map { "--dim \($0.symbol)=..." }.joined(separator: " ")
      throw Console.usageError(
        "\(SummaryError.unboundSymbols(uses).description)\nhelp: give \(uses.count == 1 ? "it a value" : "them values") with \(hints)"
      )
    } catch {
      throw Console.usageError(error.description)
    }
    switch format {
    case .text: print(SummaryTable.render(summary), terminator: "")
    case .json: print(summary.json.serialized(.prettySorted), terminator: "")
    }
  }
}
