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

  @Argument(help: "The spec file.")
  var spec: String

  @Option(parsing: .unconditional, help: "Batch size: the value of the symbol N.")
  var batch: Int?

  @Option(
    name: .customLong("dim"),
    help: ArgumentHelp("Value of another shape symbol (repeatable), e.g. T=50.", valueName: "name=value"))
  var dims: [String] = []

  @Option(help: "Output format: text or json.")
  var format: Format = .text

  @OptionGroup var specOptions: SpecOptions

  /// The symbol `--batch` binds.
  static let batchSymbol = "N"

  func validate() throws {
    if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
    _ = try parseDims()
  }

  func run() throws {
    var bindings = try parseDims()
    let loaded = try loadSpec(spec, specOptions)
    let symbols = ModelSummary.symbols(of: loaded.graph).map(\.symbol)
    let unknown = bindings.keys.filter { !symbols.contains($0) }.sorted()
    guard unknown.isEmpty else {
      let known =
        symbols.isEmpty ? "the spec's shapes have no symbols" : "its symbols are " + symbols.joined(separator: ", ")
      throw usageError("--dim names no shape symbol of \(spec): \(unknown.joined(separator: ", ")); \(known)")
    }
    if batch != nil, !symbols.contains(Self.batchSymbol) {
      Console.printError("note: the shapes of \(spec) have no symbol \(Self.batchSymbol); --batch has no effect\n")
    }
    if let violation = loaded.graph.violation(at: bindings, from: "--dim") {
      var bag = DiagnosticBag()
      bag.append(violation)
      Console.report(bag)
      throw ExitCode.invalid
    }
    bindings[Self.batchSymbol] = batch ?? 1
    let summary: ModelSummary
    do {
      summary = try ModelSummary(loaded, bindings: bindings)
    } catch .unboundSymbols(let uses) {
      let hints = uses.map { "--dim \($0.symbol)=..." }.joined(separator: " ")
      throw usageError(
        "\(SummaryError.unboundSymbols(uses).description)\nhelp: give \(uses.count == 1 ? "it a value" : "them values") with \(hints)"
      )
    } catch {
      throw usageError(error.description)
    }
    switch format {
    case .text: print(SummaryTable.render(summary), terminator: "")
    case .json: print(summary.json.serialized(.prettySorted), terminator: "")
    }
  }

  /// `--dim NAME=VALUE` pairs: symbol names to positive sizes.
  private func parseDims() throws -> [String: Int] {
    var result: [String: Int] = [:]
    for text in dims {
      let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value >= 1, value <= Dim.limit else {
        throw ValidationError("--dim takes name=value with a size from 1 to 2^53, got `\(text)`")
      }
      guard parts[0] != Self.batchSymbol else {
        throw ValidationError("use --batch to set \(Self.batchSymbol), not --dim")
      }
      result[parts[0]] = value
    }
    return result
  }

  /// Prints `error: message` and returns exit code 2 (a usage error).
  private func usageError(_ message: String) -> ExitCode {
    Console.printError("error: \(message)\n")
    return ExitCode(2)
  }
}
