import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// Options shared by the commands that read specs.
struct SpecOptions: ParsableArguments {
  @Option(
    name: .customLong("set"),
    help: ArgumentHelp("Override a variable of `vars:`.", valueName: "name=value"))
  var overrides: [String] = []

  @Flag(
    name: .customLong("no-expect"),
    help: "Skip the spec's `expect:` checks (e.g. after --set shrinks a model whose sizes `expect` pins).")
  var skipsExpectations = false

  @Option(parsing: .unconditional, help: "Report at most this many errors per spec; 0 reports them all.")
  var errorLimit = FrontendOptions().errorLimit ?? 0

  @Option(
    help: ArgumentHelp(
      "Colour diagnostics: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always or never.",
      valueName: "when"))
  var color: ColorChoice = .auto

  func validate() throws {
    guard errorLimit >= 0 else { throw ValidationError("--error-limit takes a count >= 0, got \(errorLimit)") }
  }

  /// Frontend options with the parsed overrides.
  func frontendOptions() throws -> FrontendOptions {
    var options = FrontendOptions()
    options.checksExpectations = !skipsExpectations
    options.errorLimit = errorLimit == 0 ? nil : errorLimit
    for text in overrides {
      guard let (name, value) = Frontend.parseOverride(text) else {
        throw ValidationError("--set takes name=value, got `\(text)`")
      }
      options.overrides[name] = value
    }
    return options
  }
}

/// `--dim name=value` (alias `--bind`): sizes of the shape symbols other than
/// the batch `N`, which each command sets with an option of its own.
struct DimOptions: ParsableArguments {
  @Option(
    name: [.customLong("dim"), .customLong("bind")],
    help: ArgumentHelp(
      "Size of a shape symbol other than the batch N (repeatable), e.g. T=50; --bind is an alias.",
      valueName: "name=value"))
  var dims: [String] = []

  /// The symbol the batch options bind.
  static let batchSymbol = "N"

  func validate() throws { _ = try bindings() }

  /// The sizes by symbol name.
  func bindings() throws -> [String: Int] {
    var result: [String: Int] = [:]
    for text in dims {
      let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value >= 1, value <= Dim.limit else {
        throw ValidationError("--dim (or --bind) takes name=value with a size from 1 to 2^53, got `\(text)`")
      }
      guard parts[0] != Self.batchSymbol else {
        throw ValidationError("set \(Self.batchSymbol) with the command's batch option (see --help), not --dim")
      }
      result[parts[0]] = value
    }
    return result
  }

  /// Exits with a usage error when a `--dim` names no shape symbol of the spec.
  func requireKnown(_ bindings: [String: Int], symbols: [String], spec: String) throws {
    let unknown = bindings.keys.filter { !symbols.contains($0) }.sorted()
    guard unknown.isEmpty else {
      let known =
        symbols.isEmpty ? "the spec's shapes have no symbols" : "its symbols are " + symbols.joined(separator: ", ")
      throw Console.usageError("--dim names no shape symbol of \(spec): \(unknown.joined(separator: ", ")); \(known)")
    }
  }
}

/// Where and how diagnostics are printed.
enum Console {
  static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

  /// Prints a line on stdout unbuffered, so it interleaves with progress output.
  static func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }

  static func printError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// Prints diagnostics as text on stderr, coloured as `color` and the
  /// environment decide.
  static func report(_ diagnostics: DiagnosticBag, color: ColorChoice) {
    let colored = color.isEnabled(environment: ProcessInfo.processInfo.environment, isTerminal: stderrIsTerminal)
    let text = HumanRenderer(colored: colored).render(diagnostics.sorted)
    printError(text)
  }

  /// Prints `error: message` and returns exit code 2 (a usage error).
  static func usageError(_ message: String) -> ExitCode {
    printError("error: \(message)\n")
    return ExitCode(2)
  }

  /// The exit code for a run's diagnostics: 2 for unreadable files, 1 for
  /// other errors, 0 otherwise.
  static func exitCode(for diagnostics: DiagnosticBag) -> Int32 {
    if diagnostics.diagnostics.contains(where: { $0.code == .unreadableFile }) { return 2 }
    return diagnostics.hasErrors ? 1 : 0
  }
}

extension ExitCode {
  static let invalid = ExitCode(1)
  static let unreadable = ExitCode(2)
}

/// Loads one spec for a command, printing diagnostics and exiting on failure.
func loadSpec(_ path: String, _ options: SpecOptions) throws -> CheckedSpec {
  var diagnostics = DiagnosticBag()
  let spec = Frontend.load(path: path, options: try options.frontendOptions(), &diagnostics)
  if !diagnostics.diagnostics.isEmpty { Console.report(diagnostics, color: options.color) }
  guard let spec else { throw ExitCode(Console.exitCode(for: diagnostics)) }
  return spec
}

extension ColorChoice: ExpressibleByArgument {}
