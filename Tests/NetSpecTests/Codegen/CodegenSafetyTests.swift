import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// No spec content reaches emitted code except inside comments and escaped
/// string literals; names become valid, unique identifiers; output is
/// deterministic. (``EmittedModelTests`` compiles the hostile spec too.)
@Suite struct CodegenSafetyTests {
  static let hostileSpec = #"""
    name: "evil\"; import Darwin; exit(1); let x = \"\n#if true"
    description: "line one */ \"\"\" \\( #endif\n// injected\nfunc pwned() {}\r\u2028 exit(3)"
    inputs: {in-put_x: [N, 3]}
    layers:
      - dense: {units: 4, name: fc-1}
      - dense: {units: 4, name: fc_1}
      - dense: {units: 2, name: class}
    train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}}
    """#

  static func emit(_ yaml: String, typeName: String? = nil) throws -> [SwiftEmitter.File] {
    var diagnostics = DiagnosticBag()
    let spec = try #require(
      Frontend.check(SourceFile(path: "/tmp/hostile.yaml", text: "netspec: 1\n" + yaml), &diagnostics),
      "\(diagnostics.diagnostics.map(\.message))")
    return try SwiftEmitter.emit(spec, capacity: 4, sourceName: "hostile.yaml", typeName: typeName)
  }

  @Test func hostileTextStaysInCommentsAndLiterals() throws {
    let model = try Self.emit(Self.hostileSpec)[0].contents
    for line in model.split(separator: "\n", omittingEmptySubsequences: false) {
      let code = line.trimmingCharacters(in: .whitespaces)
      guard !code.hasPrefix("//") else { continue }
      for payload in ["exit(", "pwned", "import Darwin", "#if", "#endif", "line one", "injected"] {
        #expect(!code.contains(payload), "spec text in code: \(line)")
      }
    }
    #expect(!model.contains("\r") && !model.contains("\u{2028}"))
    #expect(model.contains("public final class EvilImportDarwinExit1LetXIfTrue"))
  }

  @Test func namesBecomeUniqueIdentifiers() {
    var scope = IdentifierScope()
    #expect(scope.unique("fc-1") == "fc1")
    #expect(scope.unique("fc_1") == "fc1_2")
    #expect(scope.unique("class") == "class_")
    #expect(scope.unique("1st layer") == "v1stLayer")
    #expect(scope.unique("") == "value")
    #expect(scope.unique("über") == "ber")
    #expect(SwiftNames.identifier("lenet5", upperFirst: true) == "Lenet5")
    #expect(SwiftNames.stringLiteral("a\"b\\c\n\u{1}é") == #""a\"b\\c\n\u{1}\u{e9}""#)
  }

  @Test func typeNamesAreCheckedAgainstSwiftAndTheRuntime() throws {
    #expect(KernelSourceEmbedding.declaredNames.isSuperset(of: ["GEMM", "ComputePool", "SplitMix64", "VectorMath"]))
    for bad in ["GEMM", "lower", "Two Words", "A\"b", "Class\n"] {
      #expect(throws: CodegenError.self, "\(bad)") { try Self.emit(Self.hostileSpec, typeName: bad) }
    }
    #expect(try Self.emit(Self.hostileSpec, typeName: "Good2")[0].path == "Good2.swift")
  }

  @Test func emissionIsDeterministic() throws {
    let first = try Self.emit(Self.hostileSpec)
    let second = try Self.emit(Self.hostileSpec)
    #expect(first == second)
  }

  /// Every registered op has an emitter, so `netspec compile` accepts every
  /// spec that checks (an op without one would be a `CodegenError` naming it).
  @Test func everyOpHasAnEmitter() {
    let missing = Set(OpRegistry.all.map { $0.schema.name }).subtracting(OpRegistry.emittableNames)
    #expect(missing.isEmpty, "ops without an emitter: \(missing.sorted())")
  }
}

/// `netspec compile --package` lays out a package with the data as prepared.
@Suite struct PackageEmitterTests {
  @Test func packageHoldsTheModelTheToolAndTheSplits() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../specs/mlp_digits.yaml").standardizedFileURL
    var diagnostics = DiagnosticBag()
    let source = SourceFile(path: url.path, text: try String(contentsOf: url, encoding: .utf8))
    let spec = try #require(Frontend.check(source, &diagnostics))
    let data = try #require(DataPipeline.load(spec.document.data!, for: spec.graph, seed: 7, &diagnostics))
    let files = try PackageEmitter.emit(spec, data: data, capacity: 32, sourceName: "mlp_digits.yaml")
    let paths = Set(files.map(\.path))
    for path in [
      "Package.swift", "Sources/MlpDigits/MlpDigits.swift", "Sources/MlpDigits/NetSpecRuntime.swift",
      "Sources/MlpDigits/MlpDigits+Tool.swift", "Sources/MlpDigitsTool/main.swift", "Data/train.inputs.f32",
      "Data/test.targets.f32",
    ] {
      #expect(paths.contains(path), "\(path)")
    }
    let trainInputs = try #require(files.first { $0.path == "Data/train.inputs.f32" }?.binary)
    #expect(trainInputs.count == data.train.inputs.count * 4)
    let manifest = try #require(files.first { $0.path == "Package.swift" }?.contents)
    #expect(manifest.contains(#".executable(name: "mlpdigits", targets: ["MlpDigitsTool"])"#))
    #expect(manifest.hasPrefix("// swift-tools-version:6.2"))
  }

  /// The tool's files for a spec file of the repository: `main.swift` and
  /// the library's `<Type>+Tool.swift`.
  func toolSources(_ path: String) throws -> (main: String, library: String) {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../\(path)").standardizedFileURL
    var diagnostics = DiagnosticBag()
    let source = SourceFile(path: url.path, text: try String(contentsOf: url, encoding: .utf8))
    let spec = try #require(Frontend.check(source, &diagnostics))
    let data = try #require(DataPipeline.load(spec.document.data!, for: spec.graph, seed: 7, &diagnostics))
    let files = try PackageEmitter.emit(spec, data: data, capacity: 32, sourceName: url.lastPathComponent)
    return (
      try #require(files.first { $0.path.hasSuffix("Tool/main.swift") }?.contents),
      try #require(files.first { $0.path.hasSuffix("+Tool.swift") }?.contents)
    )
  }

  /// The tool is a call into the runtime with the spec's settings as a
  /// literal: no training code is generated, and nothing is dropped
  /// (augmentation, early stopping, the label column).
  @Test func theToolCallsTheRuntimeWithTheSpecsSettings() throws {
    let lenet = try toolSources("specs/lenet5.yaml")
    #expect(lenet.main.split(separator: "\n").count < 8)
    #expect(lenet.main.contains("exit(Lenet5.runTool(Array(CommandLine.arguments.dropFirst())))"))
    #expect(lenet.library.contains("augmentations: [.randomShift(pixels: 2)]"))
    #expect(
      lenet.library.contains("EarlyStoppingRule(monitor: .valLoss, patience: 3, minDelta: 0.0, restoreBest: true)"))
    #expect(lenet.library.contains("labelColumn: .last"))
    #expect(lenet.library.contains("NetSpecTool<Lenet5>(toolConfiguration).run(arguments)"))
    #expect(!lenet.library.contains("for epoch in"))
  }
}
