import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec plan SPEC`: the execution plan (or, with `--ir`, the graph) as text.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Print a spec's IR and execution plan as stable text.",
    discussion: """
      Prints the graph (values with types, nodes with attributes, parameters), the fusions \
      the planner applied, every step (forward then backward) with its kernel and arguments, \
      the buffers with offsets, sizes and lifetimes, the parameter arena and the arena size. \
      The plan trains when the spec has a loss. With --ir, prints the graph only (shapes stay \
      symbolic). Exit codes: 0 success, 1 the spec is invalid or cannot be planned, 2 a usage \
      error (such as a symbol without --dim) or an unreadable file.
      """)

  @Argument(help: "The spec file.", completion: .specFile)
  var spec: String

  @Flag(help: "Print the IR (the graph) only, without planning it.")
  var ir = false

  @Option(
    parsing: .unconditional,
    help: "Batch capacity: the largest batch the plan holds (default: the spec's batch size, or 64).")
  var capacity: Int?

  @OptionGroup var dimOptions: DimOptions

  @OptionGroup var specOptions: SpecOptions

  func validate() throws {
    if let capacity, capacity < 1 || capacity > 1 << 20 {
      throw ValidationError("--capacity must be between 1 and 1048576, got \(capacity)")
    }
  }

  func run() throws {
    let bindings = try dimOptions.bindings()
    let loaded = try loadSpec(spec, specOptions)
    if ir { return print(PlanText.graph(loaded.graph), terminator: "") }
    let symbols = ModelSummary.symbols(of: loaded.graph).map(\.symbol).filter { $0 != DimOptions.batchSymbol }
    try dimOptions.requireKnown(bindings, symbols: symbols, spec: spec)
    let unbound = symbols.filter { bindings[$0] == nil }
    guard unbound.isEmpty else {
      throw Console.usageError(
        "the shapes of \(spec) use \(unbound.map { "`\($0)`" }.joined(separator: ", ")), which a plan needs sizes for\n"
          + "help: give \(unbound.count == 1 ? "it a size" : "them sizes") with "
          + unbound.map { "--dim \($0)=SIZE" }.joined(separator: " "))
    }
    var batch = 64
    if case .size(let n) = loaded.document.train?.batchSize { batch = n }
    let plan: ExecutionPlan
    do {
      plan = try Planner.plan(
        loaded.graph, capacity: capacity ?? batch, bindings: bindings, training: loaded.graph.loss != nil)
    } catch {
      var bag = DiagnosticBag()
      bag.append(error.diagnostic)
      Console.report(bag, color: specOptions.color)
      throw ExitCode.invalid
    }
    print(PlanText.plan(plan), terminator: "")
  }
}
