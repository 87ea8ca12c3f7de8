import Foundation
import NetSpecDiagnostics
import NetSpecEmbeddedSources
import Testing

@testable import NetSpec

/// Emitted code builds whatever the model is called: a spec `name:` that is a
/// type the emitted code uses becomes `<Name>Model`, such a `--name` is an
/// error, and a spec file name never reaches code outside a comment.
@Suite struct ModelTypeNameTests {
  /// Standard library and Foundation types, modules and literal types that
  /// emitted code names or the compiler looks up, and some of the runtime's
  /// own types (``everyCapitalizedNameOfTheRuntimeIsReserved`` covers the rest
  /// without compiling).
  static let hostileNames = [
    "Float", "Int", "Array", "String", "Data", "UnsafeMutablePointer", "Sendable", "Double", "Bool", "Int32",
    "Error", "Optional", "Foundation", "Swift", "URL", "FileHandle", "UnsafeMutableRawPointer", "IntegerLiteralType",
    "FloatLiteralType", "GEMM", "SafetensorsArchive",
  ]

  static func spec(named name: String) throws -> CheckedSpec {
    let yaml = """
      netspec: 1
      name: \(name)
      inputs: {x: [N, 3]}
      layers:
        - dense: 2
      train: {loss: mse, optimizer: sgd}
      """
    var diagnostics = DiagnosticBag()
    return try #require(
      Frontend.check(SourceFile(path: "m.yaml", text: yaml), &diagnostics), "\(diagnostics.diagnostics)")
  }

  static func tokenSpec() throws -> CheckedSpec {
    let yaml = """
      netspec: 1
      name: tokens
      inputs: {ids: {shape: [N, 3], dtype: int32}}
      layers:
        - embedding: {vocab: 5, dim: 2}
        - flatten
        - dense: 2
      train: {loss: cross_entropy, optimizer: sgd}
      """
    var diagnostics = DiagnosticBag()
    return try #require(
      Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics), "\(diagnostics.diagnostics)")
  }

  /// The package tool checks token ids where it loads them (data splits and
  /// predict input), before the embedding's precondition could stop it.
  @Test func theToolChecksTokenIDsWhereItLoadsThem() throws {
    let tool = try #require(EmbeddedSources.files["NetSpecRuntime"]?["NetSpecTool.swift"])
    #expect(tool.contains("try checkTokenIDs(inputs, in: base + \".inputs.f32\")"))
    #expect(tool.contains("try checkTokenIDs(values, in: input)"))
  }

  /// Every capitalized name the package tool's library file uses is reserved,
  /// so a model cannot take it.
  @Test func theToolLibraryUsesOnlyReservedNames() throws {
    let spec = try SeedSpecs.load("mlp_digits.yaml")
    var diagnostics = DiagnosticBag()
    let data = try #require(
      DataPipeline.load(spec.document.data!, for: spec.graph, seed: 1, &diagnostics), "\(diagnostics.diagnostics)")
    let library = ToolEmitter.library(
      spec: spec, data: data, type: ModelTypeName.placeholder, executable: "tool", sourceName: "m.yaml")
    let unreserved = ModelTypeName.capitalizedIdentifiers(in: library)
      .subtracting(ModelTypeName.sharedNames).subtracting(ModelTypeName.alwaysReserved)
      .subtracting([ModelTypeName.placeholder])
    #expect(unreserved.isEmpty, "\(unreserved.sorted())")
  }

  @Test func aNameTheEmittedCodeUsesGetsASuffixOrIsRefused() throws {
    let spec = try Self.spec(named: "Float")
    #expect(try SwiftEmitter.emit(spec, capacity: 4, sourceName: "m.yaml")[0].path == "FloatModel.swift")
    for name in ["Float", "Data", "Sendable", "Foundation", "GEMM", ModelTypeName.placeholder] {
      #expect(throws: CodegenError.self, "\(name)") {
        try SwiftEmitter.emit(spec, capacity: 4, sourceName: "m.yaml", typeName: name)
      }
    }
    #expect(
      try SwiftEmitter.emit(spec, capacity: 4, sourceName: "m.yaml", typeName: "Classifier")[0].path
        == "Classifier.swift")
  }

  @Test func everyCapitalizedNameOfTheRuntimeIsReserved() {
    let runtime = SwiftEmitter.runtime.contents
    for name in ["UnsafeMutablePointer", "Float", "Int", "SafetensorsArchive"] {
      #expect(runtime.contains(name) && ModelTypeName.sharedNames.contains(name), "\(name)")
    }
    #expect(
      ModelTypeName.capitalizedIdentifiers(in: "let a: Float // Array\n/* Data */ x = Int(b)") == ["Float", "Int"])
  }

  /// One model per hostile name (the list above and every type name the
  /// emitted model uses), all typechecked with the runtime in one `swiftc` run.
  @Test func modelsNamedAfterLibraryTypesBuild() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-names-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var paths: [String] = []
    var typeNames: Set<String> = []
    // The fixed list, and every type name the emitted model itself uses.
    let probe = try SwiftEmitter.emit(try Self.spec(named: "probe"), capacity: 4, sourceName: "m.yaml")[0].contents
    let used = ModelTypeName.capitalizedIdentifiers(in: probe).subtracting(["Probe"])
    #expect(used.isSuperset(of: ["Float", "Int", "UnsafeMutablePointer", "Sendable"]))
    for name in Set(Self.hostileNames).union(used).sorted() {
      let files = try SwiftEmitter.emit(try Self.spec(named: name), capacity: 4, sourceName: "m.yaml")
      #expect(typeNames.insert(files[0].path).inserted, "\(name) gives \(files[0].path) twice")
      let url = directory.appendingPathComponent(files[0].path)
      try files[0].contents.write(to: url, atomically: true, encoding: .utf8)
      paths.append(url.path)
    }
    // A model with token ids: its `tokenRanges` must build too.
    let tokens = try SwiftEmitter.emit(try Self.tokenSpec(), capacity: 4, sourceName: "t.yaml")[0]
    #expect(
      tokens.contents.contains(
        "tokenRanges: [TokenRange] = [TokenRange(offset: 0, count: 3, vocab: 5)]"))
    let tokensURL = directory.appendingPathComponent(tokens.path)
    try tokens.contents.write(to: tokensURL, atomically: true, encoding: .utf8)
    paths.append(tokensURL.path)
    let runtime = directory.appendingPathComponent(SwiftEmitter.runtimeFileName)
    try SwiftEmitter.runtime.contents.write(to: runtime, atomically: true, encoding: .utf8)
    let (status, output) = try ChildProcess.run(
      ["swiftc", "-typecheck", "-swift-version", "6", "-module-name", "Names", runtime.path] + paths)
    #expect(status == 0, "\(output.prefix(3000))")
  }

  /// The spec's file name stays inside the tool's header comment, whatever
  /// it holds (`%ORDER%.yaml` used to pull template code into it).
  @Test func theSpecFileNameStaysInTheHeaderComment() {
    let main = ToolEmitter.main(type: "Model", sourceName: "%ORDER%\n*/ x.yaml")
    let header = main.split(separator: "\n")[0]
    #expect(header.hasPrefix("// main.swift: generated by `netspec compile --package` from %ORDER%"))
    #expect(main.split(separator: "\n").filter { !$0.hasPrefix("//") && !$0.isEmpty }.count == 3)
  }
}
