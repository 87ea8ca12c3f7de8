import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec compile SPEC -o DIR`: emit Swift for the model's training plan.
struct Compile: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Emit Swift source for a spec: the model with fused kernels, its training step and optimizer.",
    discussion: """
      Writes DIR/<Model>.swift and DIR/NetSpecRuntime.swift (the kernels and a safetensors \
      codec). The output is deterministic and imports only Foundation; build it with `-O -wmo` and, for speed, `-target-cpu native \
      -D NETSPEC_AVX512` or `-D NETSPEC_FMA` (see docs/CODEGEN.md).
      """)

  @Argument(help: "The spec to compile (omit with --runtime-only).", completion: .specFile)
  var spec: String?

  @Option(name: .shortAndLong, help: "Output directory.")
  var output: String

  @Option(parsing: .unconditional, help: "Batch capacity (default: the spec's batch size, or 64 for `all`).")
  var capacity: Int?

  @Option(help: "The model type's name (default: from the spec's name).")
  var name: String?

  @OptionGroup var dimOptions: DimOptions

  @Flag(
    help:
      "Write a SwiftPM package: the model as a library, and an executable that trains, evaluates and predicts on the spec's data."
  )
  var package = false

  @Flag(help: "Write only the model file; the module gets NetSpecRuntime.swift once from --runtime-only.")
  var withoutRuntime = false

  @Flag(help: "Write only NetSpecRuntime.swift (no spec needed).")
  var runtimeOnly = false

  @OptionGroup var specOptions: SpecOptions

  /// The largest size `--dim` gives a symbol of emitted code.
  static let maxBoundSize = 1 << 24

  func validate() throws {
    if runtimeOnly, spec != nil { throw ValidationError("--runtime-only takes no spec") }
    if package, withoutRuntime || runtimeOnly {
      throw ValidationError("--package writes a whole package; drop --without-runtime and --runtime-only")
    }
    if !runtimeOnly, spec == nil { throw ValidationError("give the spec to compile, or --runtime-only") }
    if let capacity, capacity < 1 || capacity > 1 << 20 {
      throw ValidationError("--capacity must be between 1 and 1048576")
    }
  }

  func run() throws {
    guard let spec else { return try write([SwiftEmitter.runtime]) }
    let checked = try loadSpec(spec, specOptions)
    let sourceName = URL(fileURLWithPath: spec).lastPathComponent
    var batch = 64
    if case .size(let n) = checked.document.train?.batchSize { batch = n }
    let given = try dimOptions.bindings()
    let symbols = ModelSummary.symbols(of: checked.graph).map(\.symbol).filter { $0 != DimOptions.batchSymbol }
    try dimOptions.requireKnown(given, symbols: symbols, spec: spec)
    if let (symbol, size) = given.first(where: { $0.value > Self.maxBoundSize }) {
      throw Console.usageError("--dim \(symbol)=\(size): emitted code takes sizes up to \(Self.maxBoundSize)")
    }
    var bindings =
      checked.document.data == nil ? [:] : (try loadData(checked, seed: nil, color: specOptions.color).bindings)
    bindings.merge(given) { _, new in new }
    if let violation = checked.graph.violation(at: bindings, from: given.isEmpty ? "the data" : "--dim and the data") {
      var bag = DiagnosticBag()
      bag.append(violation)
      Console.report(bag, color: specOptions.color)
      throw ExitCode.invalid
    }
    var files: [SwiftEmitter.File]
    do {
      if package {
        files = try PackageEmitter.emit(
          checked, data: try loadData(checked, seed: nil, color: specOptions.color), capacity: capacity ?? batch,
          sourceName: sourceName,
          typeName: name)
      } else {
        files = try SwiftEmitter.emit(
          checked, capacity: capacity ?? batch, bindings: bindings, sourceName: sourceName, typeName: name)
      }
    } catch let error as CodegenError {
      Console.printError("\(spec): error: \(error)\n")
      throw ExitCode.invalid
    }
    if withoutRuntime { files.removeAll { $0.path == SwiftEmitter.runtimeFileName } }
    try write(files)
  }

  private func write(_ files: [SwiftEmitter.File]) throws {
    do {
      for file in files {
        let url = URL(fileURLWithPath: output).appendingPathComponent(file.path)
        try FileManager.default.createDirectory(
          at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let binary = file.binary {
          try Data(binary).write(to: url, options: .atomic)
        } else {
          try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
      }
    } catch {
      Console.printError("error: cannot write to `\(output)`: \(error.localizedDescription)\n")
      throw ExitCode.unreadable
    }
    let shown = files.count > 4 ? "\(files.count) files" : files.map(\.path).joined(separator: ", ")
    Console.say("wrote \(shown) to \(output)")
  }
}
